/**
 * Async iterables and async generators across the port: order, return values, errors, bounded
 * read-ahead (backpressure), early return()/break stopping the producer, close and GC.
 */
import { afterEach, describe, expect, test } from 'vitest'
import {
  close,
  type Endpoint,
  expose,
  PROTOCOL_NAME,
  PROTOCOL_VERSION,
  RemoteStream,
  release,
  withOptions,
  wrap,
} from '../src/index'
import { APPLY, END, HELLO, ITEM, OK, PULL, REF_STREAM } from '../src/protocol'
import {
  collectSome,
  collectUntil,
  deferred,
  kinds,
  type Pair,
  recordUnhandled,
  settlesSoon,
  tick,
  until,
} from './helpers'

/** A counting producer that records how far it got and whether its finally ran. */
function producer() {
  const state = { produced: 0, finished: false }
  async function* numbers(limit = Number.POSITIVE_INFINITY) {
    try {
      for (let i = 0; i < limit; i++) {
        state.produced++
        yield i
      }
      return 'the end'
    } finally {
      state.finished = true
    }
  }
  return { state, numbers }
}

type Numbers = { numbers(limit?: number): AsyncGenerator<number, string> }

/** Waits until `read()` stops changing for a few macrotasks. */
async function settled(read: () => number): Promise<number> {
  let last = -1
  let stable = 0
  while (stable < 5) {
    const now = read()
    stable = now === last ? stable + 1 : 0
    last = now
    await tick()
  }
  return last
}

describe.each(kinds)('over $name', ({ pair }) => {
  let ports: Pair
  afterEach(() => {
    close(ports.a)
    close(ports.b)
  })

  test('an async generator arrives in order with its return value', async () => {
    ports = pair()
    const { numbers } = producer()
    expose({ numbers }, ports.a)
    const remote = wrap<Numbers>(ports.b)
    const stream = await remote.numbers(40)
    expect(stream).toBeInstanceOf(RemoteStream)
    const items: number[] = []
    let step = await stream.next()
    while (!step.done) {
      items.push(step.value)
      step = await stream.next()
    }
    expect(items).toEqual(Array.from({ length: 40 }, (_, i) => i))
    expect(step.value).toBe('the end')
    expect(await stream.next()).toEqual({ done: true, value: undefined })
  })

  test('any async iterable works with for await', async () => {
    ports = pair()
    const iterable = {
      async *[Symbol.asyncIterator]() {
        yield 'a'
        yield 'b'
      },
    }
    expose({ letters: () => iterable, empty: async function* () {} }, ports.a)
    const remote = wrap<{ letters(): AsyncIterable<string>; empty(): AsyncGenerator<never> }>(
      ports.b,
    )
    const letters: string[] = []
    for await (const letter of await remote.letters()) letters.push(letter)
    expect(letters).toEqual(['a', 'b'])
    const none: unknown[] = []
    for await (const item of await remote.empty()) none.push(item)
    expect(none).toEqual([])
  })

  test('the producer never runs more than readAhead items ahead (default 16)', async () => {
    ports = pair()
    const { state, numbers } = producer()
    expose({ numbers }, ports.a)
    const remote = wrap<Numbers>(ports.b)
    const stream = await remote.numbers()
    expect(state.produced).toBe(0)
    expect(await stream.next()).toEqual({ done: false, value: 0 })
    expect(await settled(() => state.produced)).toBe(16)
    await stream.return()
  })

  test('a configured readAhead bounds the producer while the consumer is slow', async () => {
    ports = pair()
    const { state, numbers } = producer()
    expose({ numbers }, ports.a)
    const remote = wrap<Numbers>(ports.b, { readAhead: 4 })
    const stream = await remote.numbers(30)
    let consumed = 0
    let maxAhead = 0
    for await (const value of stream) {
      expect(value).toBe(consumed)
      consumed++
      await tick()
      maxAhead = Math.max(maxAhead, state.produced - consumed)
    }
    expect(consumed).toBe(30)
    expect(maxAhead).toBeLessThanOrEqual(4)
    expect(maxAhead).toBeGreaterThan(0)
  })

  test('break stops the producer: its finally has run when the loop exits', async () => {
    ports = pair()
    const { state, numbers } = producer()
    expose({ numbers }, ports.a)
    const remote = wrap<Numbers>(ports.b)
    const seen: number[] = []
    for await (const value of await remote.numbers()) {
      seen.push(value)
      if (value === 2) break
    }
    expect(seen).toEqual([0, 1, 2])
    expect(state.finished).toBe(true)
    const producedAtBreak = state.produced
    await settled(() => state.produced)
    expect(state.produced).toBe(producedAtBreak)
  })

  test('return() before the first next() stops an unstarted producer', async () => {
    ports = pair()
    const { state, numbers } = producer()
    expose({ numbers }, ports.a)
    const remote = wrap<Numbers>(ports.b)
    const stream = await remote.numbers()
    expect(await stream.return('early')).toEqual({ done: true, value: 'early' })
    expect(state.produced).toBe(0)
    expect(await stream.next()).toMatchObject({ done: true })
  })

  test('release() and await using stop the producer', async () => {
    ports = pair()
    const first = producer()
    const second = producer()
    expose({ first: first.numbers, second: second.numbers }, ports.a)
    const remote = wrap<{ first: Numbers['numbers']; second: Numbers['numbers'] }>(ports.b)
    const stream = await remote.first()
    await stream.next()
    release(stream)
    expect(await until(() => first.state.finished)).toBe(true)
    {
      await using scoped = await remote.second()
      await scoped.next()
    }
    expect(second.state.finished).toBe(true)
  })

  test('an error thrown by the producer rejects next() with its class, then the stream ends', async () => {
    ports = pair()
    expose(
      {
        async *failing() {
          yield 1
          throw new RangeError('out of range')
        },
      },
      ports.a,
    )
    const remote = wrap<{ failing(): AsyncGenerator<number> }>(ports.b)
    const stream = await remote.failing()
    expect(await stream.next()).toEqual({ done: false, value: 1 })
    const error = await stream.next().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RangeError)
    expect(error).toMatchObject({ message: 'out of range' })
    expect(await stream.next()).toMatchObject({ done: true })
  })

  test('an item that cannot be cloned fails the stream with a DataCloneError', async () => {
    ports = pair()
    let finished = false
    expose(
      {
        async *bad() {
          try {
            yield 1
            yield () => 'a function'
            yield 3
          } finally {
            finished = true
          }
        },
      },
      ports.a,
    )
    const remote = wrap<{ bad(): AsyncGenerator<unknown> }>(ports.b)
    const stream = await remote.bad()
    expect(await stream.next()).toEqual({ done: false, value: 1 })
    const error = await stream.next().catch((e: unknown) => e)
    expect(error).toMatchObject({ name: 'DataCloneError' })
    expect((error as Error).message).toMatch(/^A stream item could not be cloned/)
    expect(await until(() => finished)).toBe(true)
  })

  test('a stream can be an argument: the callee consumes the caller iterable', async () => {
    ports = pair()
    expose(
      {
        async total(values: AsyncIterable<number>) {
          let sum = 0
          for await (const value of values) sum += value
          return sum
        },
      },
      ports.a,
    )
    const remote = wrap<{ total(values: AsyncIterable<number>): number }>(ports.b)
    const { state, numbers } = producer()
    expect(await remote.total(numbers(100))).toBe(4950)
    expect(state.finished).toBe(true)
  })

  test('a stream argument of a call that cannot be sent is stopped, whatever its return() gives', async () => {
    ports = pair()
    expose({ take: (_values: unknown, _extra: unknown) => 'taken' }, ports.a)
    const remote = wrap<{ take(values: AsyncIterable<number>, extra: unknown): string }>(ports.b)
    let returned = false
    const values = {
      [Symbol.asyncIterator]: () => ({
        next: async () => ({ done: true as const, value: undefined }),
        // Not a promise: allowed by the iterator protocol's loose users, and must not crash.
        return: () => {
          returned = true
          return { done: true as const, value: undefined }
        },
      }),
    }
    let call: Promise<unknown> | undefined
    // @ts-expect-error a symbol cannot be cloned
    expect(() => (call = remote.take(values as AsyncIterable<number>, Symbol('x')))).not.toThrow()
    await expect(call).rejects.toMatchObject({ name: 'DataCloneError' })
    expect(await until(() => returned)).toBe(true)
  })

  test('closing the connection rejects a waiting next() and stops the producer', async () => {
    ports = pair()
    const gate = deferred()
    let finished = false
    expose(
      {
        async *stuck() {
          try {
            yield 1
            await gate.promise
            yield 2
          } finally {
            finished = true
          }
        },
      },
      ports.a,
    )
    const remote = wrap<{ stuck(): AsyncGenerator<number> }>(ports.b)
    const stream = await remote.stuck()
    expect(await stream.next()).toEqual({ done: false, value: 1 })
    const waiting = stream.next()
    close(ports.b)
    await expect(waiting).rejects.toMatchObject({ code: 'CLOSED' })
    gate.resolve()
    expect(await until(() => finished)).toBe(true)
  })

  test('a stream dropped without being finished is stopped after garbage collection', async () => {
    ports = pair()
    const { state, numbers } = producer()
    expose({ numbers }, ports.a)
    const remote = wrap<Numbers>(ports.b)
    await (async () => {
      const stream = await remote.numbers()
      await stream.next()
    })()
    expect(await collectUntil(() => state.finished)).toBe(true)
  })

  test('garbage collection never stops a stream while a next() is in flight', async () => {
    ports = pair()
    const gate = deferred()
    expose(
      {
        async *late() {
          await gate.promise
          yield 'first'
        },
      },
      ports.a,
    )
    const remote = wrap<{ late(): AsyncGenerator<string> }>(ports.b)
    // Keep only the promise of next(), not the stream.
    const pending = await (async () => ({ next: (await remote.late()).next() }))()
    await collectSome(10)
    gate.resolve()
    expect(await pending.next).toEqual({ done: false, value: 'first' })
  })

  test('a stream in the reply to a call that timed out is stopped, not left running', async () => {
    ports = pair()
    const gate = deferred()
    let returned = false
    const iterable = {
      [Symbol.asyncIterator]: () => ({
        next: async () => ({ done: false, value: 1 }),
        return: async () => {
          returned = true
          return { done: true, value: undefined }
        },
      }),
    }
    expose(
      {
        async late() {
          await gate.promise
          return iterable
        },
      },
      ports.a,
    )
    const remote = wrap<{ late(): Promise<AsyncIterable<number>> }>(ports.b)
    await expect(withOptions(remote.late, { timeout: 1 })()).rejects.toMatchObject({
      code: 'TIMEOUT',
    })
    gate.resolve()
    expect(await until(() => returned)).toBe(true)
  })

  test('an error the producer throws is delivered even when reading it throws', async () => {
    ports = pair()
    const unhandled = recordUnhandled()
    try {
      const hostile = new TypeError('hostile')
      Object.defineProperty(hostile, 'detail', {
        enumerable: true,
        get() {
          throw new Error('do not read me')
        },
      })
      expose(
        {
          async *bad() {
            yield 1
            throw hostile
          },
        },
        ports.a,
      )
      const remote = wrap<{ bad(): AsyncGenerator<number> }>(ports.b)
      const stream = await remote.bad()
      expect(await stream.next()).toEqual({ done: false, value: 1 })
      const failed = stream.next().catch((error: unknown) => error)
      expect(await settlesSoon(failed)).toBe(true)
      expect(await failed).toMatchObject({ name: 'TypeError', message: 'hostile' })
      await tick()
      expect(unhandled.reasons).toEqual([])
    } finally {
      unhandled.stop()
    }
  })

  test('items beyond the granted credit are reported and dropped: the buffer stays bounded', async () => {
    ports = pair()
    const errors: Error[] = []
    const remote = wrap<{ stream(): AsyncIterable<number> }>(ports.b, {
      readAhead: 4,
      onError: (error) => errors.push(error),
    })
    // The serving side is played by hand, as a producer that ignores credit.
    const raw = ports.a as Endpoint & { postMessage(m: unknown): void }
    const received = listen(ports.a)
    const call = remote.stream()
    expect(await until(() => received.some((m) => m[0] === APPLY))).toBe(true)
    const request = received.find((m) => m[0] === APPLY) as unknown[]
    raw.postMessage([HELLO, PROTOCOL_NAME, PROTOCOL_VERSION])
    raw.postMessage([OK, request[1], null, [0, REF_STREAM, 1]])
    const stream = await call
    const first = stream.next()
    expect(await until(() => received.some((m) => m[0] === PULL))).toBe(true)
    for (let i = 0; i < 10; i++) raw.postMessage([ITEM, 1, i])
    expect(await first).toEqual({ done: false, value: 0 })
    expect(await until(() => errors.length === 6)).toBe(true)
    for (const error of errors) expect(error).toMatchObject({ code: 'PROTOCOL' })
    raw.postMessage([END, 1, 'end'])
    const rest: number[] = []
    for await (const value of stream) rest.push(value)
    expect(rest).toEqual([1, 2, 3])
  })
})

/** Collects the array messages that arrive on a raw port. */
function listen(port: Endpoint): unknown[][] {
  const received: unknown[][] = []
  const target = port as Endpoint & {
    addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void
    start?(): void
  }
  target.addEventListener('message', (event) => {
    if (Array.isArray(event.data)) received.push(event.data)
  })
  target.start?.()
  return received
}
