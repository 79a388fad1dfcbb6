/**
 * The public functions: `expose` and `wrap` (which share one connection per endpoint), `close`,
 * `release`, `withOptions` for per-call signal and timeout, and `assign` for typed writes.
 */
import { connect, connectionOf } from './connection'
import type { Endpoint } from './endpoint'
import {
  allowList,
  type CallOptions,
  checkCallOptions,
  type ExposeOptions,
  serviceName,
  type WrapOptions,
} from './options'
import { APPLY, SET } from './protocol'
import { handlerOf } from './remote'
import type { Remote, RemoteArg } from './types'

/**
 * Serves `target` to the peer of `endpoint`: its methods can be called, its properties read and
 * assigned, its classes constructed. Returns a function that withdraws it.
 *
 * @example
 * expose({ add: (a: number, b: number) => a + b }, port)
 */
export function expose(
  target: object,
  endpoint: Endpoint,
  options: ExposeOptions = {},
): () => void {
  if ((typeof target !== 'object' && typeof target !== 'function') || target === null) {
    throw new TypeError(`expose() takes an object or a function, got ${String(target)}`)
  }
  const name = serviceName(options)
  const allow = allowList(options)
  return connect(endpoint, options).expose(name, target, allow)
}

/**
 * Returns a `Remote<T>` for what the peer of `endpoint` exposed (its default service, or
 * `options.name`). Every operation on it is one request; nothing is sent until you use it.
 *
 * @example
 * const math = wrap<typeof api>(port)
 * await math.add(1, 2) // 3
 */
export function wrap<T>(endpoint: Endpoint, options: WrapOptions = {}): Remote<T> {
  const name = serviceName(options)
  return connect(endpoint, options).wrap(name) as Remote<T>
}

/**
 * Closes the connection on an endpoint (or the one a remote belongs to) and the endpoint itself:
 * pending calls on both sides reject with `RpcError` 'CLOSED', and so do later ones.
 */
export function close(endpointOrRemote: Endpoint | object): void {
  const handler = handlerOf(endpointOrRemote)
  const conn = handler !== undefined ? handler.record.conn : connectionOf(endpointOrRemote)
  conn?.close()
}

/**
 * Releases a remote (a whole service or handle, whichever path you pass), a remote emitter or a
 * remote stream: its pending calls reject with `RpcError` 'RELEASED' and the owner drops it. The
 * same as `remote[Symbol.dispose]()`. Releasing twice does nothing.
 */
export function release(remote: Disposable): void {
  const handler = handlerOf(remote)
  if (handler !== undefined) handler.record.conn.releaseRecord(handler.record)
  else if (typeof remote?.[Symbol.dispose] === 'function') remote[Symbol.dispose]()
  else throw new TypeError('release() takes a remote, a remote emitter or a remote stream')
}

/**
 * Returns `method` bound to per-call options: an AbortSignal and/or a timeout in milliseconds.
 * On abort or timeout the call rejects at once with `RpcError` 'ABORTED' / 'TIMEOUT' and the
 * callee's `currentSignal()` aborts.
 *
 * @example
 * await withOptions(remote.search, { signal, timeout: 5_000 })('query')
 */
export function withOptions<F extends (...args: never[]) => Promise<unknown>>(
  method: F,
  options: CallOptions,
): F {
  const handler = handlerOf(method)
  if (handler === undefined) throw new TypeError('withOptions() takes a method of a remote')
  checkCallOptions(options)
  const { record, path } = handler
  const call = (...args: unknown[]) => record.conn.call(APPLY, record, path, args, options)
  return call as unknown as F
}

/**
 * Assigns a property of the peer's object and resolves once it is done (plain assignment,
 * `remote.x = 1`, also works but cannot be awaited; its failures go to `onError`).
 *
 * @example
 * await assign(remote.config.level, 3)
 */
export function assign<V>(property: PromiseLike<V>, value: RemoteArg<V>): Promise<void> {
  const handler = handlerOf(property)
  if (handler === undefined || handler.path.length === 0) {
    return Promise.reject(new TypeError('assign() takes a property of a remote'))
  }
  const { record, path } = handler
  return record.conn.call(SET, record, path, [value], undefined).then(() => undefined)
}
