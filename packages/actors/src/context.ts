/**
 * The call context: which request an exposed function is serving while its synchronous part runs,
 * so `currentSignal()` can hand it the AbortSignal that aborts when the caller cancels.
 */

/** The part of a connection the context needs (avoids a runtime import cycle). */
export interface SignalSource {
  signalFor(id: number): AbortSignal
}

let activeSource: SignalSource | undefined
let activeId = 0

/**
 * Marks the start of a request's synchronous part. Endpoints deliver messages from the event loop,
 * never from inside another request's synchronous part, so there is nothing to nest.
 */
export function enter(source: SignalSource, id: number): void {
  activeSource = source
  activeId = id
}

/** Marks the end of the synchronous part started by `enter`. */
export function leave(): void {
  activeSource = undefined
  activeId = 0
}

/**
 * Returns an AbortSignal that aborts when the caller of the exposed function currently running
 * cancels the call (its `signal` aborts, its `timeout` elapses, or the connection closes).
 *
 * Call it synchronously, before the first `await` of the exposed function: the context is only
 * known while the synchronous part runs. Outside an RPC call it returns `undefined`.
 *
 * @example
 * expose({
 *   async search(query: string) {
 *     const signal = currentSignal()
 *     return (await fetch(`/search?q=${query}`, { signal })).json()
 *   },
 * }, port)
 */
export function currentSignal(): AbortSignal | undefined {
  return activeSource?.signalFor(activeId)
}
