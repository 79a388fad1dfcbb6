/**
 * The delivery queue: when each posted message reaches its port.
 *
 * Every delivery is a job `(port, data)` in a first-in first-out ring of slots. In the default
 * `microtask` mode each job is run by its own microtask, queued when the message is posted: that
 * is workerd's timing (`post a; queueMicrotask(m); post b` runs `a, m, b`). The microtask does not
 * carry the job; since microtasks run in the order they were queued, the n-th microtask runs the
 * n-th job. So a post costs one resolved-promise reaction and two array slots, and no closure.
 *
 * In `fair` mode jobs wait in a second ring until the next turn of the host's event loop; that
 * turn queues one microtask per job waiting at that moment (so within a batch timing is as above)
 * and jobs posted meanwhile wait for the next turn. Timers and I/O run between turns.
 */

/** How a channel delivers messages; see `MessageChannelOptions.delivery`. */
export type Delivery = 'microtask' | 'fair'

/** The method the queue calls on a port to deliver one job; it never throws. */
export const run: unique symbol = Symbol('run')

/** What the queue delivers to: a port. */
export interface Runnable {
  [run](data: unknown): void
}

/** A ring of `(target, data)` pairs: two slots a job, capacity a power of two. */
interface Ring {
  slots: unknown[]
  head: number
  tail: number
  size: number
}

function ring(): Ring {
  return { slots: new Array(64), head: 0, tail: 0, size: 0 }
}

function push(r: Ring, target: Runnable, data: unknown): void {
  const slots = r.slots
  if (r.size * 2 === slots.length) grow(r)
  const tail = r.tail
  r.slots[tail] = target
  r.slots[tail + 1] = data
  r.tail = (tail + 2) & (r.slots.length - 1)
  r.size++
}

function grow(r: Ring): void {
  const old = r.slots
  const slots = new Array(old.length * 2)
  for (let i = 0, j = r.head; i < old.length; i++, j = (j + 1) & (old.length - 1)) slots[i] = old[j]
  r.slots = slots
  r.head = 0
  r.tail = old.length
}

function runOne(r: Ring): void {
  const slots = r.slots
  const head = r.head
  const target = slots[head] as Runnable
  const data = slots[head + 1]
  slots[head] = undefined
  slots[head + 1] = undefined
  r.head = (head + 2) & (slots.length - 1)
  r.size--
  target[run](data)
}

const resolved = Promise.resolve()
const now = ring()
const later = ring()
let fairTurnQueued = false

function runNow(): void {
  runOne(now)
}

function runFair(): void {
  runOne(later)
}

// One turn of the event loop for fair delivery: the fastest macrotask the host offers. A host
// MessageChannel is only used where it is a real macrotask (browsers, Node), never in workerd.
const nextTurn: (fn: () => void) => void = pickNextTurn()

function pickNextTurn(): (fn: () => void) => void {
  const g = globalThis as { setImmediate?: (fn: () => void) => unknown }
  if (typeof g.setImmediate === 'function') {
    const setImmediate = g.setImmediate
    return (fn) => {
      setImmediate(fn)
    }
  }
  const isWorkerd =
    (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent ===
    'Cloudflare-Workers'
  if (typeof globalThis.MessageChannel === 'function' && !isWorkerd) {
    const { port1, port2 } = new globalThis.MessageChannel()
    let pending: (() => void)[] = []
    port1.onmessage = () => {
      const run = pending
      pending = []
      for (const fn of run) fn()
    }
    return (fn) => {
      pending.push(fn)
      if (pending.length === 1) port2.postMessage(null)
    }
  }
  return (fn) => {
    setTimeout(fn, 0)
  }
}

function fairTurn(): void {
  fairTurnQueued = false
  for (let n = later.size; n > 0; n--) resolved.then(runFair)
}

/** Queues the delivery of `data` to `target`. */
export function schedule(target: Runnable, data: unknown, fair: boolean): void {
  if (!fair) {
    push(now, target, data)
    resolved.then(runNow)
    return
  }
  push(later, target, data)
  if (!fairTurnQueued) {
    fairTurnQueued = true
    nextTurn(fairTurn)
  }
}
