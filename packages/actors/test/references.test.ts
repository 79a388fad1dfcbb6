/**
 * By-reference values without port transfer: proxy() callbacks and objects, remote instances,
 * release by Symbol.dispose / using / release(), and release after garbage collection that never
 * cancels a call in flight.
 */
import { afterEach, describe, expect, test } from 'vitest'
import {
  close,
  expose,
  type ProxyMarked,
  proxy,
  type Remote,
  RpcError,
  release,
  withOptions,
  wrap,
} from '../src/index'
import { collectSome, collectUntil, deferred, kinds, type Pair, tick, until } from './helpers'

describe.each(kinds)('over $name', ({ pair }) => {
  let ports: Pair
  afterEach(() => {
    close(ports.a)
    close(ports.b)
  })

  test('a proxied callback is called back on the caller side', async () => {
    ports = pair()
    expose(
      {
        async forEach(items: string[], callback: Remote<(item: string, i: number) => void>) {
          for (let i = 0; i < items.length; i++) await callback(items[i] as string, i)
          return items.length
        },
      },
      ports.a,
    )
    const remote = wrap<{
      forEach(items: string[], callback: (item: string, i: number) => void): number
    }>(ports.b)
    const seen: string[] = []
    const count = await remote.forEach(
      ['x', 'y'],
      proxy((item: string, i: number) => {
        seen.push(`${i}:${item}`)
      }),
    )
    expect(count).toBe(2)
    expect(seen).toEqual(['0:x', '1:y'])
  })

  test('a callback can return values and throw', async () => {
    ports = pair()
    expose(
      {
        async apply(fn: Remote<(x: number) => number>, x: number) {
          try {
            return await fn(x)
          } catch (error) {
            return `caught ${(error as Error).message}`
          }
        },
      },
      ports.a,
    )
    const remote = wrap<{ apply(fn: (x: number) => number, x: number): number | string }>(ports.b)
    const fn = proxy((x: number) => {
      if (x < 0) throw new RangeError('negative')
      return x * 10
    })
    expect(await remote.apply(fn, 4)).toBe(40)
    expect(await remote.apply(fn, -1)).toBe('caught negative')
  })

  test('a proxied object is reached by reference, its state stays on its side', async () => {
    ports = pair()
    const store = {
      items: [] as string[],
      add(item: string) {
        this.items.push(item)
        return this.items.length
      },
    }
    expose({ fill: async (target: Remote<typeof store>) => target.add('from remote') }, ports.a)
    const remote = wrap<{ fill(target: ProxyMarked<typeof store>): number }>(ports.b)
    expect(await remote.fill(proxy(store))).toBe(1)
    expect(store.items).toEqual(['from remote'])
  })

  test('a function can return a proxied object', async () => {
    ports = pair()
    expose(
      {
        makeCounter() {
          let n = 0
          return proxy({ next: () => ++n })
        },
      },
      ports.a,
    )
    const remote = wrap<{ makeCounter(): ProxyMarked<{ next(): number }> }>(ports.b)
    const counter = await remote.makeCounter()
    expect(await counter.next()).toBe(1)
    expect(await counter.next()).toBe(2)
  })

  test('a remote sent back to its owner arrives as the original object', async () => {
    ports = pair()
    const original = { tag: 'original' }
    expose(
      {
        give: () => proxy(original),
        isOriginal: (value: unknown) => value === original,
      },
      ports.a,
    )
    const remote = wrap<{
      give(): ProxyMarked<{ tag: string }>
      isOriginal(value: { tag: string }): boolean
    }>(ports.b)
    const handle = await remote.give()
    expect(await handle.tag).toBe('original')
    expect(await remote.isOriginal(handle)).toBe(true)
  })

  test('the same object exported twice arrives as the same remote', async () => {
    ports = pair()
    const shared = proxy({ v: 1 })
    expose({ get: () => shared }, ports.a)
    const remote = wrap<{ get(): typeof shared }>(ports.b)
    const first = await remote.get()
    const second = await remote.get()
    expect(first).toBe(second)
  })

  test('Symbol.dispose, using and release() release a remote; later calls reject', async () => {
    ports = pair()
    expose(
      {
        Thing: class {
          ping() {
            return 'pong'
          }
        },
      },
      ports.a,
    )
    const remote = wrap<{ Thing: new () => { ping(): string } }>(ports.b)
    const viaDispose = await new remote.Thing()
    expect(await viaDispose.ping()).toBe('pong')
    viaDispose[Symbol.dispose]()
    await expect(viaDispose.ping()).rejects.toMatchObject({ code: 'RELEASED' })

    const viaRelease = await new remote.Thing()
    release(viaRelease)
    release(viaRelease)
    await expect(viaRelease.ping()).rejects.toBeInstanceOf(RpcError)

    let escaped: Remote<{ ping(): string }> | undefined
    {
      using scoped = await new remote.Thing()
      expect(await scoped.ping()).toBe('pong')
      escaped = scoped
    }
    await expect(escaped.ping()).rejects.toMatchObject({ code: 'RELEASED' })
  })

  test('releasing a remote rejects its pending calls at once, not those of others', async () => {
    ports = pair()
    const gate = deferred<string>()
    class Slow {
      wait() {
        return gate.promise
      }
    }
    expose({ Slow, other: () => gate.promise }, ports.a)
    const remote = wrap<{ Slow: new () => Slow; other(): Promise<string> }>(ports.b)
    const slow = await new remote.Slow()
    const pending = slow.wait()
    const unrelated = remote.other()
    release(slow)
    await expect(pending).rejects.toMatchObject({ code: 'RELEASED' })
    gate.resolve('done')
    expect(await unrelated).toBe('done')
  })

  test('the owner drops an explicitly released object', async () => {
    ports = pair()
    const owned = new WeakSet<object>()
    let lastThing: object | undefined
    class Thing {
      constructor() {
        owned.add(this)
        lastThing = this
      }
      ping() {
        return 'pong'
      }
    }
    expose({ Thing }, ports.a)
    const remote = wrap<{ Thing: new () => Thing }>(ports.b)
    const thing = await new remote.Thing()
    const weak = new WeakRef(lastThing as object)
    lastThing = undefined
    release(thing)
    expect(await collectUntil(() => weak.deref() === undefined)).toBe(true)
  })

  test('garbage collection of a remote releases it on the owner side', async () => {
    ports = pair()
    let made: WeakRef<object> | undefined
    expose(
      {
        make() {
          const value = { ping: () => 'pong' }
          made = new WeakRef(value)
          return proxy(value)
        },
      },
      ports.a,
    )
    const remote = wrap<{ make(): ProxyMarked<{ ping(): string }> }>(ports.b)
    await (async () => {
      const handle = await remote.make()
      expect(await handle.ping()).toBe('pong')
    })()
    expect(made?.deref()).toBeDefined()
    expect(await collectUntil(() => made?.deref() === undefined)).toBe(true)
  })

  test('a proxied callback is released on its owner once the callee drops it', async () => {
    ports = pair()
    expose({ callOnce: async (fn: Remote<() => string>) => fn() }, ports.a)
    const remote = wrap<{ callOnce(fn: () => string): string }>(ports.b)
    let weak: WeakRef<object> | undefined
    await (async () => {
      const callback = () => 'called'
      weak = new WeakRef(callback)
      expect(await remote.callOnce(proxy(callback))).toBe('called')
    })()
    expect(await collectUntil(() => weak?.deref() === undefined)).toBe(true)
  })

  test('garbage collection never releases a remote while a call on it is in flight (#692)', async () => {
    ports = pair()
    const gate = deferred<string>()
    let instance: WeakRef<object> | undefined
    class Job {
      constructor() {
        instance = new WeakRef(this)
      }
      run() {
        return gate.promise
      }
    }
    expose({ Job }, ports.a)
    const remote = wrap<{ Job: new () => Job }>(ports.b)
    // Start a call and drop every reference to the remote but the call's promise.
    const result = await (async () => {
      const job = await new remote.Job()
      return { promise: job.run() }
    })()
    await collectSome(10)
    expect(instance?.deref()).toBeDefined()
    gate.resolve('finished')
    expect(await result.promise).toBe('finished')
    // Once the call settled, the remote can go, and its instance with it.
    expect(await collectUntil(() => instance?.deref() === undefined)).toBe(true)
  })

  test('a remote of another connection passed on forwards calls to its owner', async () => {
    ports = pair()
    const second = pair()
    try {
      expose({ hello: (name: string) => `hello ${name}` }, ports.a)
      const first = wrap<{ hello(name: string): string }>(ports.b)
      expose({ relay: async (fn: Remote<(name: string) => string>) => fn('relay') }, second.a)
      const relay = wrap<{ relay(fn: (name: string) => string): string }>(second.b)
      expect(await relay.relay(first.hello)).toBe('hello relay')
    } finally {
      close(second.a)
      close(second.b)
    }
  })

  test('a function argument without proxy() rejects with a DataCloneError naming it', async () => {
    ports = pair()
    expose({ take: (_fn: unknown) => 'taken' }, ports.a)
    const remote = wrap<{ take(fn: unknown): string }>(ports.b)
    // @ts-expect-error a function must be wrapped in proxy()
    const error = await remote.take(() => 1).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DOMException)
    expect(error).toMatchObject({ name: 'DataCloneError' })
    expect((error as Error).message).toMatch(/Argument 0 of take\(\).*proxy\(\)/)
  })

  test('an uncloneable argument rejects with a DataCloneError naming the argument', async () => {
    ports = pair()
    expose({ take: (..._args: unknown[]) => 'taken' }, ports.a)
    const remote = wrap<{ take(...args: unknown[]): string }>(ports.b)
    // @ts-expect-error a symbol cannot be cloned
    const error = await remote.take(1, { nested: Symbol('no') }).catch((e: unknown) => e)
    expect(error).toMatchObject({ name: 'DataCloneError' })
    expect((error as Error).message).toMatch(/^Argument 1 of take\(\) could not be cloned/)
    expect(await remote.take(1, 2)).toBe('taken')
  })

  test('the DataCloneError names the uncloneable argument, not one sent by reference', async () => {
    ports = pair()
    expose({ take: (_fn: unknown, _value: unknown) => 'taken' }, ports.a)
    const remote = wrap<{ take(fn: () => number, value: unknown): string }>(ports.b)
    const fn = proxy(() => 1)
    // @ts-expect-error a symbol cannot be cloned
    const error = await remote.take(fn, Symbol('no')).catch((e: unknown) => e)
    expect(error).toMatchObject({ name: 'DataCloneError' })
    expect((error as Error).message).toMatch(/^Argument 1 of take\(\) could not be cloned/)
  })

  test('a handle in the reply to a call that timed out is given back to its owner', async () => {
    ports = pair()
    const gate = deferred()
    let made: WeakRef<object> | undefined
    expose(
      {
        async late() {
          await gate.promise
          const value = { ping: () => 'pong' }
          made = new WeakRef(value)
          return proxy(value)
        },
      },
      ports.a,
    )
    const remote = wrap<{ late(): Promise<ProxyMarked<{ ping(): string }>> }>(ports.b)
    await expect(withOptions(remote.late, { timeout: 1 })()).rejects.toMatchObject({
      code: 'TIMEOUT',
    })
    gate.resolve()
    expect(await until(() => made !== undefined)).toBe(true)
    expect(await collectUntil(() => made?.deref() === undefined)).toBe(true)
  })

  test('proxies for paths nobody holds any more can be collected', async () => {
    ports = pair()
    expose({ items: [] as number[] }, ports.a)
    const items = wrap<{ items: number[] }>(ports.b).items as unknown as Record<string, object>
    const paths = Array.from({ length: 1000 }, (_, i) => new WeakRef(items[String(i)] as object))
    const alive = () => paths.filter((path) => path.deref() !== undefined).length
    expect(await collectUntil(() => alive() <= 100)).toBe(true)
    // A path in use stays the same object.
    expect(items.length).toBe(items.length)
  })

  test('an uncloneable result rejects with a DataCloneError naming the method', async () => {
    ports = pair()
    expose({ giveFunction: () => () => 1, giveSymbol: () => ({ s: Symbol('x') }) }, ports.a)
    const remote = wrap<{ giveFunction(): unknown; giveSymbol(): unknown }>(ports.b)
    const fnError = await remote.giveFunction().catch((e: unknown) => e)
    expect(fnError).toMatchObject({ name: 'DataCloneError' })
    expect((fnError as Error).message).toMatch(
      /^The result of giveFunction\(\) could not be cloned.*proxy\(\)/,
    )
    const symbolError = await remote.giveSymbol().catch((e: unknown) => e)
    expect(symbolError).toMatchObject({ name: 'DataCloneError' })
    expect((symbolError as Error).message).toMatch(
      /^The result of giveSymbol\(\) could not be cloned/,
    )
  })

  test('proxy() refuses primitives', () => {
    ports = pair()
    expect(() => proxy(1 as unknown as object)).toThrow(TypeError)
  })

  test('after release the owner can hand the same object out again', async () => {
    ports = pair()
    const shared = proxy({ v: () => 'v' })
    expose({ get: () => shared }, ports.a)
    const remote = wrap<{ get(): typeof shared }>(ports.b)
    const first = await remote.get()
    release(first)
    await tick()
    const again = await remote.get()
    expect(again).not.toBe(first)
    expect(await again.v()).toBe('v')
  })
})
