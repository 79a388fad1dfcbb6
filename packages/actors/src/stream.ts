/**
 * Async iterables across the port, with credit-based flow control. The consumer grants credit
 * (PULL, `readAhead` items at first, then in batches as it consumes); the producer pulls from the
 * iterator only while it has credit, so it is never more than `readAhead` items ahead. An early
 * `return()` / `break` sends STOP: the producer's `return()` runs (its `finally` blocks) before the
 * consumer's `return()` resolves.
 */
import type { Connection } from './connection'
import { PULL, STOP } from './protocol'

/** The producing side of one stream. */
export interface Producer {
  readonly iterator: AsyncIterator<unknown>
  credit: number
  running: boolean
  stopping: boolean
}

/** Producer side: the consumer granted `credit` more items. */
export function grant(conn: Connection, id: number, producer: Producer, credit: number): void {
  producer.credit += credit
  if (!producer.running && !producer.stopping) void pump(conn, id, producer)
}

/** Producer side: the consumer stopped early. */
export function stopProducer(conn: Connection, id: number, producer: Producer): void {
  producer.stopping = true
  if (!producer.running) void finish(conn, id, producer)
}

/**
 * Producer side: runs the iterator's `return()` (its `finally` blocks) for a stream nobody will
 * read, ignoring whatever it returns or throws.
 */
export function abandonProducer(producer: Producer): void {
  producer.stopping = true
  Promise.resolve()
    .then(() => producer.iterator.return?.())
    .catch(() => {})
}

async function pump(conn: Connection, id: number, producer: Producer): Promise<void> {
  producer.running = true
  try {
    while (producer.credit > 0 && !producer.stopping) {
      const step = await producer.iterator.next()
      if (conn.closedError !== undefined) return
      if (step.done) {
        conn.producers.delete(id)
        conn.streamEnd(id, step.value)
        return
      }
      producer.credit--
      if (!conn.streamItem(id, step.value)) producer.stopping = true
    }
  } catch (error) {
    conn.producers.delete(id)
    conn.streamFail(id, error)
    return
  } finally {
    producer.running = false
  }
  if (producer.stopping) await finish(conn, id, producer)
}

async function finish(conn: Connection, id: number, producer: Producer): Promise<void> {
  if (conn.producers.get(id) !== producer) return
  conn.producers.delete(id)
  try {
    await producer.iterator.return?.()
  } catch (error) {
    conn.streamFail(id, error)
    return
  }
  conn.streamEnd(id, undefined)
}

interface Waiter {
  resolve(result: IteratorResult<unknown>): void
  reject(error: unknown): void
  /**
   * The stream a `next()` was called on: while its waiter is queued (the connection holds the
   * queue), garbage collection cannot take the stream and stop it under the pending `next()`.
   */
  readonly stream?: object
}

/** The consuming side of one stream, kept by the connection while the stream is open. */
export interface ConsumerState {
  readonly conn: Connection
  readonly id: number
  readonly buffer: unknown[]
  readonly waiters: Waiter[]
  /** Grant more credit after this many items were consumed. */
  readonly batch: number
  started: boolean
  stopping: boolean
  done: boolean
  /** Items consumed since the last grant. */
  consumed: number
  /** Items the producer may still send: granted and not yet received. */
  credit: number
  /** A failure not yet delivered to `next()`. */
  failure: { error: unknown } | undefined
  endValue: unknown
  /** The `return()` waiting for the producer to acknowledge STOP. */
  stopped: Waiter | undefined
}

/** Consumer side: creates the state for stream `id`. */
export function createConsumer(conn: Connection, id: number, readAhead: number): ConsumerState {
  return {
    conn,
    id,
    buffer: [],
    waiters: [],
    batch: Math.max(1, readAhead >> 1),
    started: false,
    stopping: false,
    done: false,
    consumed: 0,
    credit: 0,
    failure: undefined,
    endValue: undefined,
    stopped: undefined,
  }
}

function pull(state: ConsumerState, credit: number): void {
  state.credit += credit
  state.conn.send([PULL, state.id, credit])
}

function consumedOne(state: ConsumerState): void {
  if (++state.consumed >= state.batch && !state.done && !state.stopping) {
    pull(state, state.consumed)
    state.consumed = 0
  }
}

/**
 * Consumer side: an ITEM arrived. Returns false, dropping it, when the producer had no credit left
 * for it (a peer breaking the protocol), so the buffer never holds more than `readAhead` items.
 */
export function onItem(state: ConsumerState, value: unknown): boolean {
  // After STOP the producer may still send what it was producing: late, not malformed.
  if (state.stopping || state.done) return true
  if (state.credit === 0) return false
  state.credit--
  const waiter = state.waiters.shift()
  if (waiter === undefined) {
    state.buffer.push(value)
    return true
  }
  waiter.resolve({ value, done: false })
  consumedOne(state)
  return true
}

/** Consumer side: END arrived. */
export function onEnd(state: ConsumerState, value: unknown): void {
  state.conn.consumers.delete(state.id)
  state.done = true
  if (state.stopped !== undefined) {
    state.stopped.resolve({ value: undefined, done: true })
    state.stopped = undefined
    return
  }
  const first = state.waiters.shift()
  if (first === undefined) state.endValue = value
  else first.resolve({ value, done: true })
  for (const waiter of state.waiters.splice(0)) waiter.resolve({ value: undefined, done: true })
}

/** Consumer side: FAIL arrived, or the connection closed with `error`. */
export function onFail(state: ConsumerState, error: unknown): void {
  state.conn.consumers.delete(state.id)
  state.done = true
  if (state.stopped !== undefined) {
    state.stopped.reject(error)
    state.stopped = undefined
    return
  }
  const first = state.waiters.shift()
  if (first === undefined) state.failure = { error }
  else first.reject(error)
  for (const waiter of state.waiters.splice(0)) waiter.resolve({ value: undefined, done: true })
}

function stopConsumer(state: ConsumerState): Promise<void> {
  state.stopping = true
  state.buffer.length = 0
  for (const waiter of state.waiters.splice(0)) waiter.resolve({ value: undefined, done: true })
  return new Promise<void>((resolve, reject) => {
    state.stopped = { resolve: () => resolve(), reject }
    state.conn.send([STOP, state.id])
  })
}

const finalizers = new FinalizationRegistry<ConsumerState>((state) => {
  if (!state.done && !state.stopping) stopConsumer(state).catch(() => {})
})

/** Creates the iterator for a stream that arrived; RemoteStream has no public constructor. */
export let openStream: (state: ConsumerState) => RemoteStream<unknown>

/**
 * An async iterator over a stream produced on the peer (an async iterable or async generator
 * returned across the port). Use it with `for await`; `break` stops the producer.
 */
export class RemoteStream<T, TReturn = unknown>
  implements AsyncIterableIterator<T, TReturn, undefined>, AsyncDisposable, Disposable
{
  readonly #state: ConsumerState
  #stopping: Promise<void> | undefined = undefined

  private constructor(state: ConsumerState) {
    this.#state = state
    finalizers.register(this, state)
  }

  static {
    openStream = (state) => new RemoteStream(state)
  }

  /** Resolves with the next item; the first call starts the producer. */
  next(): Promise<IteratorResult<T, TReturn>> {
    const state = this.#state
    if (state.buffer.length > 0) {
      const value = state.buffer.shift() as T
      consumedOne(state)
      return Promise.resolve({ value, done: false })
    }
    if (state.failure !== undefined) {
      const { error } = state.failure
      state.failure = undefined
      return Promise.reject(error)
    }
    if (state.done || state.stopping) {
      const value = state.endValue as TReturn
      state.endValue = undefined
      return Promise.resolve({ value, done: true })
    }
    if (!state.started) {
      state.started = true
      pull(state, state.conn.options.readAhead)
    }
    return new Promise<IteratorResult<T, TReturn>>((resolve, reject) => {
      state.waiters.push({ resolve: resolve as Waiter['resolve'], reject, stream: this })
    })
  }

  /** Stops the producer (its `finally` blocks run) and resolves once it has stopped. */
  return(value?: TReturn | PromiseLike<TReturn>): Promise<IteratorResult<T, TReturn>> {
    const state = this.#state
    if (!state.done) this.#stopping ??= stopConsumer(state)
    else state.buffer.length = 0
    const stopped = this.#stopping ?? Promise.resolve()
    return stopped.then(async () => ({ value: (await value) as TReturn, done: true }))
  }

  /** Stops the producer, then rejects with `error`. */
  async throw(error?: unknown): Promise<IteratorResult<T, TReturn>> {
    await this.return()
    throw error
  }

  /** The stream is its own iterator, for `for await`. */
  [Symbol.asyncIterator](): this {
    return this
  }

  /** Same as `return()`, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.return()
  }

  /** Stops the producer without waiting, for `using` and `release()`. */
  [Symbol.dispose](): void {
    this.return().catch(() => {})
  }
}
