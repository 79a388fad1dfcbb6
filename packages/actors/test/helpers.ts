/**
 * Shared test helpers: the endpoint kinds every behaviour test runs over, and small waits.
 */
import { MessageChannel as NodeChannel } from 'node:worker_threads'
import { MessageChannel as CoreChannel } from '@entangle/core'
import type { Endpoint } from '../src/index'

/** One port pair: `a` and `b` are entangled. */
export interface Pair {
  a: Endpoint
  b: Endpoint
}

/** The endpoint kinds behaviour tests run over. */
export const kinds: ReadonlyArray<{ name: string; pair: () => Pair }> = [
  {
    name: 'node:worker_threads MessageChannel',
    pair: () => {
      const { port1, port2 } = new NodeChannel()
      return { a: port1, b: port2 }
    },
  },
  {
    name: '@entangle/core MessageChannel',
    pair: () => {
      const { port1, port2 } = new CoreChannel()
      return { a: port1, b: port2 }
    },
  },
]

/** A promise with its resolve function outside, for tests that release work step by step. */
export function deferred<T = void>(): {
  promise: Promise<T>
  resolve: (value: T) => void
  reject: (error: unknown) => void
} {
  let resolve!: (value: T) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

/** Waits one macrotask: enough for messages in flight on either kind of port to arrive. */
export function tick(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0))
}

/** Waits until `condition()` holds, a macrotask at a time; false after `rounds` tries. */
export async function until(condition: () => boolean, rounds = 100): Promise<boolean> {
  for (let i = 0; i < rounds; i++) {
    if (condition()) return true
    await tick()
  }
  return condition()
}

/**
 * Runs the garbage collector (vitest starts workers with --expose-gc) until `condition()`.
 * `WeakRef.deref()` keeps its target alive until the current job ends, so the check and the next
 * collection are always separated by a macrotask.
 */
export async function collectUntil(condition: () => boolean, rounds = 50): Promise<boolean> {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) throw new Error('run with --expose-gc (see vitest.config.ts)')
  for (let i = 0; i < rounds; i++) {
    await tick()
    gc()
    await tick()
    if (condition()) return true
  }
  return false
}

/** Runs the garbage collector a few times, for tests that check something was NOT collected. */
export async function collectSome(rounds = 5): Promise<void> {
  await collectUntil(() => false, rounds)
}

/**
 * Collects the promises Node reports as unhandled rejections until `stop()`. Node reports them
 * once the microtask queue is empty, so wait a macrotask (`tick()`) before reading the list.
 */
export function recordUnhandled(): { reasons: unknown[]; stop(): void } {
  const reasons: unknown[] = []
  const listener = (reason: unknown) => reasons.push(reason)
  process.on('unhandledRejection', listener)
  return { reasons, stop: () => process.off('unhandledRejection', listener) }
}

/** Whether `promise` settles within a few macrotasks (a hang shows as false, quickly). */
export async function settlesSoon(promise: Promise<unknown>, rounds = 20): Promise<boolean> {
  let settled = false
  promise.then(
    () => {
      settled = true
    },
    () => {
      settled = true
    },
  )
  return until(() => settled, rounds)
}
