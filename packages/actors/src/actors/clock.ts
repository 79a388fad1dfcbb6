/**
 * The clock: the one place the actor layer reads time and sets timers (actor timers, ask
 * timeouts, restart backoff and the restart window). The test kit swaps in a manual clock.
 */

/** What the actor system needs from time. `@entangle/actors/testing` has a manual one. */
export interface Clock {
  /** Milliseconds on a monotonic scale. */
  now(): number
  /** Calls `callback` once after `ms` milliseconds; returns a handle for `clearTimeout`. */
  setTimeout(callback: () => void, ms: number): unknown
  /** Cancels a timer; unknown or fired handles are ignored. */
  clearTimeout(handle: unknown): void
}

/** The host's clock: `performance.now()` and the global timers. */
export const realClock: Clock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}
