/**
 * Options: what `expose`, `wrap` and `withOptions` accept, the defaults, and the checks that turn a
 * bad option into a TypeError naming it. Every default lives here.
 */
import { parseAllowList } from './safety'

/** Options of the connection on one endpoint (shared by every `expose` and `wrap` on it). */
export interface ConnectionOptions {
  /**
   * Called with what cannot be thrown at a caller: malformed or foreign messages (an `RpcError`
   * with code 'PROTOCOL'), a version mismatch, a failed fire-and-forget assignment, an event whose
   * arguments cannot be cloned, a throwing event listener. Default: ignore.
   */
  onError?: (error: Error) => void
  /** How many stream items a producer may run ahead of this side's consumer. Default 16. */
  readAhead?: number
  /** Leave stacks out of errors sent to the peer. Default false. */
  redactStack?: boolean
}

/** Options of `expose()`. */
export interface ExposeOptions extends ConnectionOptions {
  /** Name of the service, for several on one endpoint. Default: the default service (`''`). */
  name?: string
  /**
   * Paths the peer may reach (`'add'`, `'math.mul'`); a path also allows what lies below it.
   * Default: everything the object offers by itself.
   */
  allow?: readonly string[]
}

/** Options of `wrap()`. */
export interface WrapOptions extends ConnectionOptions {
  /** Name of the peer's service to call. Default: the default service (`''`). */
  name?: string
}

/** Per-call options, given through `withOptions()`. No timeout unless you set one. */
export interface CallOptions {
  /** Aborting it rejects the call with `RpcError` 'ABORTED' and aborts the callee's signal. */
  signal?: AbortSignal
  /**
   * Milliseconds before the call rejects with `RpcError` 'TIMEOUT': up to 2147483647 (about 24.8
   * days, the longest a timer can wait), or `Infinity` for none.
   */
  timeout?: number
}

/** Connection options with every default filled in. */
export type ResolvedOptions = Required<ConnectionOptions>

/** The defaults of every connection option. */
export const defaultOptions: Readonly<ResolvedOptions> = {
  onError: () => {},
  readAhead: 16,
  redactStack: false,
}

/** The longest delay `setTimeout` honours; a longer one fires at once. */
const maxTimeout = 2 ** 31 - 1

/** Checks `options` and merges them over `base`. Throws a TypeError naming a bad option. */
export function resolveOptions(base: ResolvedOptions, options: ConnectionOptions): ResolvedOptions {
  const { onError, readAhead, redactStack } = options
  if (onError !== undefined && typeof onError !== 'function') {
    throw new TypeError('options.onError must be a function')
  }
  if (readAhead !== undefined && !(Number.isSafeInteger(readAhead) && readAhead >= 1)) {
    throw new TypeError(`options.readAhead must be a positive integer, got ${readAhead}`)
  }
  return {
    onError: onError ?? base.onError,
    readAhead: readAhead ?? base.readAhead,
    redactStack: redactStack ?? base.redactStack,
  }
}

/** The service name of `expose()` / `wrap()` options. Throws a TypeError for a non-string. */
export function serviceName(options: ExposeOptions | WrapOptions): string {
  const name = options.name ?? ''
  if (typeof name !== 'string') {
    throw new TypeError(`options.name must be a string, got ${typeof name}`)
  }
  return name
}

/** The allow-list of `expose()` options as key lists, or undefined when everything is allowed. */
export function allowList(options: ExposeOptions): string[][] | undefined {
  return options.allow === undefined ? undefined : parseAllowList(options.allow)
}

/** Checks the options of `withOptions()`. Throws a TypeError naming a bad one. */
export function checkCallOptions(options: CallOptions): void {
  const { signal, timeout } = options
  if (
    timeout !== undefined &&
    timeout !== Number.POSITIVE_INFINITY &&
    !(typeof timeout === 'number' && timeout >= 0 && timeout <= maxTimeout)
  ) {
    throw new TypeError(
      `options.timeout must be a number of ms from 0 to ${maxTimeout} or Infinity, got ${timeout}`,
    )
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError('options.signal must be an AbortSignal')
  }
}
