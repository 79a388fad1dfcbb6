/**
 * The in-runtime half of the matrix. Bundled into every host (a Node child process, a workerd
 * worker, a Chromium page), it builds the `Impl` for a column, runs one conformance case by id and
 * reports the outcome as plain JSON. The host files only say where errors nobody caught arrive.
 */

import * as core from '../../core/src/index.ts'
import { cases } from '../../core/test/conformance/cases.ts'
import type { Column, Hook, Impl } from '../../core/test/conformance/types.ts'

/** What one case did, as sent back to `matrix.mjs`. */
export interface CaseResult {
  id: string
  ok: boolean
  /** `name: message` of what the case threw. */
  error?: string
  /** Why the case did not run here (a hook it needs is missing); the matrix shows `n/a`. */
  skipped?: string
  /** Errors that reached the host's uncaught path while no case was subscribed to them. */
  uncaught?: string[]
}

/** Registers the host's listener for uncaught errors; it must call `deliver` and stop the default. */
export type UncaughtSource = (deliver: (error: unknown) => void) => void

const subscribers = new Set<(error: unknown) => void>()
let strays: string[] = []

/** Installs the host's uncaught-error path once; `Impl.onUncaught` subscribes to it. */
export function catchUncaught(listen: UncaughtSource): void {
  listen((error) => {
    if (subscribers.size === 0) strays.push(describe(error))
    for (const handler of [...subscribers]) handler(error)
  })
}

function onUncaught(handler: (error: unknown) => void): () => void {
  const subscription = (error: unknown) => handler(error)
  subscribers.add(subscription)
  return () => subscribers.delete(subscription)
}

const columns: readonly Column[] = [
  'node-core',
  'node-native',
  'workerd-core',
  'workerd-native',
  'chromium-core',
  'chromium-native',
]

/** The optional hooks a host offers besides `onUncaught` (which the harness provides). */
export type HostHooks = Pick<Impl, 'gc' | 'activeResources'>

/**
 * The API under test for `column`: @entangle/core for `*-core`, the host's own otherwise, with
 * the host's `hooks` and an `onUncaught` fed by `catchUncaught`.
 */
export function makeImpl(column: string, hooks: HostHooks = {}): Impl {
  const known = columns.find((name) => name === column)
  if (!known) throw new TypeError(`Unknown column "${column}"`)
  if (known.endsWith('-core')) {
    // Core's classes are stricter than the structural `Impl` says (a private MessagePort
    // constructor, typed `this` in handlers), so they are viewed through it.
    const api = core as unknown as Required<Impl>
    return {
      column: known,
      ours: true,
      MessageChannel: api.MessageChannel,
      MessagePort: api.MessagePort,
      MessageEvent: api.MessageEvent,
      installGlobals: api.installGlobals,
      onUncaught,
      ...hooks,
    }
  }
  const { MessageChannel, MessagePort, MessageEvent } = globalThis as unknown as Partial<Impl>
  if (!MessageChannel || !MessagePort || !MessageEvent) {
    throw new TypeError(`Column ${known}: this host lacks a global MessageChannel or MessagePort`)
  }
  return {
    column: known,
    ours: false,
    MessageChannel,
    MessagePort,
    MessageEvent,
    onUncaught,
    ...hooks,
  }
}

/** Runs the case `id` against `impl`; never throws. */
export async function runCase(impl: Impl, id: string): Promise<CaseResult> {
  const found = cases.find((candidate) => candidate.id === id)
  if (!found) return { id, ok: false, error: `No case with id "${id}"` }
  const missing = (found.needs ?? []).filter((hook: Hook) => impl[hook] === undefined)
  if (missing.length > 0) return { id, ok: false, skipped: `needs impl.${missing.join(', impl.')}` }
  strays = []
  let result: CaseResult
  try {
    await found.run(impl)
    result = { id, ok: true }
  } catch (error) {
    result = { id, ok: false, error: describe(error) }
  }
  // One macrotask so errors the case left behind are attributed to it, not to the next one.
  await new Promise((resolve) => setTimeout(resolve, 0))
  return strays.length > 0 ? { ...result, uncaught: strays } : result
}

/** `name: message` for anything with a message (Error, DOMException, ...), else its string form. */
function describe(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'message' in error) {
    const { name, message } = error as { name?: unknown; message: unknown }
    return `${typeof name === 'string' ? name : 'Error'}: ${String(message)}`
  }
  try {
    return `thrown non-error: ${String(error)}`
  } catch {
    return 'thrown non-error (not printable)'
  }
}
