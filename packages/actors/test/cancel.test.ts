/**
 * Cancellation and time (per-call AbortSignal and timeout, the callee's signal, no default
 * timeout) and "nothing hangs" (close on either side, the port's close event, later calls).
 */
import { afterEach, describe, expect, test, vi } from 'vitest'
import {
  close,
  currentSignal,
  expose,
  type ProxyMarked,
  proxy,
  RpcError,
  release,
  withOptions,
  wrap,
} from '../src/index'
import { deferred, kinds, type Pair, recordUnhandled, settlesSoon, tick, until } from './helpers'

interface Slow {
  wait(): Promise<string>
  quick(): string
  watch(): Promise<string>
}

/** A service whose `wait` never settles on its own and whose `watch` reports its signal. */
function slowService(seen: { signal?: AbortSignal | undefined; reason?: unknown }) {
  return {
    wait: () => new Promise<string>(() => {}),
    quick: () => 'quick',
    watch() {
      const signal = currentSignal()
      seen.signal = signal
      return new Promise<string>((_resolve, reject) => {
        signal?.addEventListener('abort', () => {
          seen.reason = signal.reason
          reject(signal.reason)
        })
      })
    },
  }
}

describe.each(kinds)('over $name', ({ pair }) => {
  let ports: Pair
  afterEach(() => {
    vi.useRealTimers()
    close(ports.a)
    close(ports.b)
  })

  test('aborting the signal rejects the call at once with ABORTED and aborts the callee', async () => {
    ports = pair()
    const seen: { signal?: AbortSignal | undefined; reason?: unknown } = {}
    expose(slowService(seen), ports.a)
    const remote = wrap<Slow>(ports.b)
    const controller = new AbortController()
    const call = withOptions(remote.watch, { signal: controller.signal })()
    await until(() => seen.signal !== undefined)
    controller.abort(new Error('user gave up'))
    const error = await call.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RpcError)
    expect(error).toMatchObject({ code: 'ABORTED', message: 'watch() was aborted' })
    expect((error as Error).cause).toMatchObject({ message: 'user gave up' })
    expect(await until(() => seen.signal?.aborted === true)).toBe(true)
    expect(seen.reason).toMatchObject({ code: 'ABORTED' })
  })

  test('an already aborted signal rejects without sending anything', async () => {
    ports = pair()
    let calls = 0
    expose({ count: () => ++calls }, ports.a)
    const remote = wrap<{ count(): number }>(ports.b)
    const signal = AbortSignal.abort()
    await expect(withOptions(remote.count, { signal })()).rejects.toMatchObject({ code: 'ABORTED' })
    expect(await remote.count()).toBe(1)
  })

  test('a timeout rejects with TIMEOUT and aborts the callee signal', async () => {
    ports = pair()
    const seen: { signal?: AbortSignal | undefined; reason?: unknown } = {}
    expose(slowService(seen), ports.a)
    const remote = wrap<Slow>(ports.b)
    const error = await withOptions(remote.watch, { timeout: 5 })().catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'TIMEOUT', message: 'watch() timed out after 5 ms' })
    expect(await until(() => seen.signal?.aborted === true)).toBe(true)
    expect(seen.reason).toMatchObject({ code: 'TIMEOUT' })
  })

  test('a call that settles in time is not affected by its timeout or signal', async () => {
    ports = pair()
    expose(slowService({}), ports.a)
    const remote = wrap<Slow>(ports.b)
    const controller = new AbortController()
    const quick = withOptions(remote.quick, { timeout: 10_000, signal: controller.signal })
    expect(await quick()).toBe('quick')
    controller.abort()
    expect(await remote.quick()).toBe('quick')
  })

  test('there is no default timeout: a slow call still settles', async () => {
    ports = pair()
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const gate = deferred<string>()
    expose({ slow: () => gate.promise }, ports.a)
    const remote = wrap<{ slow(): Promise<string> }>(ports.b)
    const call = remote.slow()
    // Ten hours pass: nothing in this package may have armed a timer.
    expect(vi.getTimerCount()).toBe(0)
    vi.advanceTimersByTime(10 * 60 * 60 * 1000)
    vi.useRealTimers()
    gate.resolve('eventually')
    expect(await call).toBe('eventually')
  })

  test('currentSignal() is undefined outside a remote call', () => {
    ports = pair()
    expect(currentSignal()).toBeUndefined()
  })

  test('withOptions() refuses bad options and non-remote functions', () => {
    ports = pair()
    const remote = wrap<Slow>(ports.b)
    expect(() => withOptions(remote.quick, { timeout: -1 })).toThrow(/timeout/)
    expect(() => withOptions(remote.quick, { timeout: Number.NaN })).toThrow(/timeout/)
    expect(() => withOptions(remote.quick, { signal: {} as AbortSignal })).toThrow(/AbortSignal/)
    expect(() => withOptions(async () => 1, {})).toThrow(/method of a remote/)
  })

  test('closing the calling side rejects every pending call at once, and later calls', async () => {
    ports = pair()
    expose(slowService({}), ports.a)
    const remote = wrap<Slow>(ports.b)
    const pending = [remote.wait(), remote.wait(), remote.watch()]
    close(ports.b)
    const results = await Promise.allSettled(pending)
    for (const result of results) {
      expect(result).toMatchObject({ status: 'rejected', reason: { code: 'CLOSED' } })
      expect((result as PromiseRejectedResult).reason).toBeInstanceOf(RpcError)
    }
    await expect(remote.quick()).rejects.toMatchObject({ code: 'CLOSED' })
  })

  test('closing the serving side rejects the peer pending calls and aborts its own work', async () => {
    ports = pair()
    const seen: { signal?: AbortSignal | undefined; reason?: unknown } = {}
    expose(slowService(seen), ports.a)
    const remote = wrap<Slow>(ports.b)
    const pending = [remote.wait(), remote.watch()]
    await until(() => seen.signal !== undefined)
    close(ports.a)
    const results = await Promise.allSettled(pending)
    expect(results.map((r) => (r as PromiseRejectedResult).reason?.code)).toEqual([
      'CLOSED',
      'CLOSED',
    ])
    expect(seen.signal?.aborted).toBe(true)
    await expect(remote.quick()).rejects.toMatchObject({ code: 'CLOSED' })
  })

  test("the port's close event rejects pending calls", async () => {
    ports = pair()
    expose(slowService({}), ports.a)
    const remote = wrap<Slow>(ports.b)
    const pending = remote.wait()
    // Close the raw port, not through this package.
    ;(ports.a as unknown as { close(): void }).close()
    await expect(pending).rejects.toMatchObject({ code: 'CLOSED' })
    await expect(remote.quick()).rejects.toMatchObject({ code: 'CLOSED' })
  })

  test('calls in both directions all reject when one side closes', async () => {
    ports = pair()
    expose(slowService({}), ports.a)
    expose(slowService({}), ports.b)
    const fromA = wrap<Slow>(ports.a)
    const fromB = wrap<Slow>(ports.b)
    const pending = [fromA.wait(), fromB.wait(), fromA.wait(), fromB.wait()]
    close(ports.a)
    const results = await Promise.allSettled(pending)
    expect(results.every((r) => r.status === 'rejected' && r.reason.code === 'CLOSED')).toBe(true)
  })

  test('calls nobody awaits leave no unhandled rejection when the connection closes', async () => {
    ports = pair()
    const unhandled = recordUnhandled()
    try {
      expose(slowService({}), ports.a)
      const remote = wrap<Slow>(ports.b)
      // Fire and forget: nobody ever looks at these promises.
      remote.wait()
      remote.watch()
      close(ports.b)
      remote.quick()
      await tick()
      await tick()
      expect(unhandled.reasons).toEqual([])
    } finally {
      unhandled.stop()
    }
  })

  test('calls nobody awaits leave no unhandled rejection when their remote is released', async () => {
    ports = pair()
    const unhandled = recordUnhandled()
    try {
      expose({ make: () => proxy(slowService({})) }, ports.a)
      const remote = wrap<{ make(): ProxyMarked<Slow> }>(ports.b)
      const handle = await remote.make()
      handle.wait()
      release(handle)
      handle.quick()
      await tick()
      await tick()
      expect(unhandled.reasons).toEqual([])
    } finally {
      unhandled.stop()
    }
  })

  test('a result whose `then` getter throws rejects the call instead of leaving it pending', async () => {
    ports = pair()
    const hostile = new Proxy(
      {},
      {
        get(_target, key) {
          if (key === 'then') throw new RangeError('no then for you')
          return undefined
        },
      },
    )
    expose({ give: () => hostile }, ports.a)
    const remote = wrap<{ give(): unknown }>(ports.b)
    const call = remote.give()
    expect(await settlesSoon(call)).toBe(true)
    await expect(call).rejects.toMatchObject({ name: 'RangeError', message: 'no then for you' })
  })

  test('a new wrap() or expose() on an endpoint whose connection closed fails at once', async () => {
    ports = pair()
    expose(slowService({}), ports.a)
    const first = wrap<Slow>(ports.b)
    expect(await first.quick()).toBe('quick')
    close(ports.a)
    await expect(first.quick()).rejects.toMatchObject({ code: 'CLOSED' })
    const again = wrap<Slow>(ports.b).quick()
    expect(await settlesSoon(again)).toBe(true)
    await expect(again).rejects.toMatchObject({ code: 'CLOSED' })
    expect(() => expose(slowService({}), ports.b)).toThrow(RpcError)
  })

  test('a timeout too long for a timer is refused rather than firing at once', () => {
    ports = pair()
    const remote = wrap<Slow>(ports.b)
    expect(() => withOptions(remote.quick, { timeout: 2 ** 31 })).toThrow(/timeout/)
    expect(() => withOptions(remote.quick, { timeout: 2 ** 31 - 1 })).not.toThrow()
    expect(() => withOptions(remote.quick, { timeout: Number.POSITIVE_INFINITY })).not.toThrow()
  })
})
