/**
 * The shape of a conformance case. Cases are plain async functions over an `Impl` so the very
 * same definitions run in vitest (Node), inside workerd and inside headless Chromium. They import
 * nothing from vitest or Node: only `./assert.ts` and these types.
 */

/** Where a case runs: one implementation of the channel API on one host. */
export type Column =
  | 'node-core'
  | 'node-native'
  | 'workerd-core'
  | 'workerd-native'
  | 'chromium-core'
  | 'chromium-native'

/** The API under test, as the runner hands it to each case. */
export interface Impl {
  column: Column
  /** True for @entangle/core, false for the host's own implementation. */
  ours: boolean
  MessageChannel: new () => { readonly port1: PortLike; readonly port2: PortLike }
  MessagePort: abstract new (...args: never[]) => PortLike
  MessageEvent: new (type: string, init?: { data?: unknown }) => Event & { readonly data: unknown }
  /** @entangle/core's `installGlobals`; absent for native implementations. */
  installGlobals?: (options?: {
    compatibilityDate?: string
    compatibilityFlags?: readonly string[]
    replaceNative?: boolean
  }) => () => void
  /**
   * Subscribes to errors that reach the host's uncaught-error path (Node `uncaughtException`,
   * a window `error` event, ...) and keeps them from failing the run. Returns the unsubscribe.
   * Cases see errors reported through `globalThis.reportError` by stubbing it themselves.
   */
  onUncaught?: (handler: (error: unknown) => void) => () => void
  /** Runs a full garbage collection, where the host lets tests ask for one (Node: `--expose-gc`). */
  gc?: () => void
  /**
   * Names of the resources currently keeping the host's event loop alive (Node:
   * `process.getActiveResourcesInfo()`); absent where the host has no such notion.
   */
  activeResources?: () => readonly string[]
}

/** The optional `Impl` hooks a case may depend on. */
export type Hook = 'onUncaught' | 'gc' | 'activeResources'

/** The port surface the cases use (structural, so native and ours both fit). */
export interface PortLike extends EventTarget {
  postMessage(message?: unknown, transferOrOptions?: unknown): void
  start(): void
  close(): void
  onmessage: ((this: PortLike, ev: MessageEvent) => unknown) | null
  onmessageerror: ((this: PortLike, ev: MessageEvent) => unknown) | null
  onclose?: ((this: PortLike, ev: Event) => unknown) | null
}

export interface Case {
  /** Stable id, `<section><n>` as in core-semantics.md, e.g. `B7`, or `wpt-<name>` for WPT ports. */
  id: string
  /** The spec row's behaviour column, so a reader can match case and row. */
  title: string
  /** Only meaningful for @entangle/core (installGlobals, ...): native columns report `n/a`. */
  coreOnly?: boolean
  /**
   * Optional `Impl` hooks the case cannot run without. A runner whose `Impl` lacks one reports
   * the case as not applicable (`needs impl.<hook>`) instead of running it.
   */
  needs?: readonly Hook[]
  /** Throws (an AssertionError or anything else) when the implementation does not behave. */
  run(impl: Impl): Promise<void> | void
}
