/**
 * The ground Comlink's own test suite covers, where it still makes sense without port transfer:
 * objects and functions, classes and instances, statics, promises, errors, callbacks, release and
 * finalizers. Written for this package (nothing is copied), over every endpoint kind.
 */
import { afterEach, describe, expect, test } from 'vitest'
import {
  assign,
  close,
  expose,
  type ProxyMarked,
  proxy,
  type Remote,
  release,
  wrap,
} from '../src/index'
import { collectUntil, kinds, type Pair } from './helpers'

class Point {
  static origin = 'zero'
  static make(x: number, y: number) {
    return proxy(new Point(x, y))
  }
  x: number
  y: number
  label?: string
  constructor(x: number, y: number) {
    this.x = x
    this.y = y
  }
  length() {
    return Math.hypot(this.x, this.y)
  }
  async later() {
    return this.x
  }
  promised() {
    return Promise.resolve(this.y)
  }
  moveBy(dx: number, dy: number) {
    this.x += dx
    this.y += dy
    return proxy(this)
  }
}

describe.each(kinds)('over $name', ({ pair }) => {
  let ports: Pair
  afterEach(() => {
    close(ports.a)
    close(ports.b)
  })

  function serve<T extends object>(value: T): Remote<T> {
    ports = pair()
    expose(value, ports.a)
    return wrap<T>(ports.b)
  }

  describe('objects and functions', () => {
    test('a plain object: values, methods, nested levels', async () => {
      const remote = serve({
        value: 4,
        missing: undefined as number | undefined,
        fn: () => 'called',
        level1: { level2: { level3: { value: 'deep', fn: () => 'deep fn' } } },
      })
      expect(await remote.value).toBe(4)
      expect(await remote.missing).toBeUndefined()
      expect(await remote.fn()).toBe('called')
      expect(await remote.level1.level2.level3.value).toBe('deep')
      expect(await remote.level1.level2.level3.fn()).toBe('deep fn')
    })

    test('a bare function, with parameters, undefined parameters and promises', async () => {
      const remote = serve((a?: number, b?: number) => Promise.resolve((a ?? 0) + (b ?? 0)))
      expect(await remote(1, 2)).toBe(3)
      expect(await remote(undefined, 2)).toBe(2)
      expect(await remote()).toBe(0)
    })

    test('properties of a function can be read and set', async () => {
      const fn = Object.assign(() => 'f', { version: 1 })
      const remote = serve(fn)
      expect(await remote.version).toBe(1)
      await assign(remote.version, 2)
      expect(fn.version).toBe(2)
    })

    test('set attributes, then read them back', async () => {
      const target = { value: 1, nested: { value: 'a' } }
      const remote = serve(target)
      await assign(remote.value, 5)
      await assign(remote.nested.value, 'b')
      expect(target).toEqual({ value: 5, nested: { value: 'b' } })
      expect(await remote.value).toBe(5)
    })

    test('symbol keys are not paths: they read as undefined locally', () => {
      const remote = serve({}) as unknown as Record<symbol, unknown>
      expect(remote[Symbol.iterator]).toBeUndefined()
      expect(remote[Symbol.toPrimitive]).toBeUndefined()
    })

    test('a property holding a promise is awaited by the owner', async () => {
      const remote = serve({ ready: Promise.resolve('ready') })
      expect(await remote.ready).toBe('ready')
    })
  })

  describe('classes and instances', () => {
    test('constructor parameters, instance properties and methods', async () => {
      const remote = serve({ Point })
      const point = await new remote.Point(3, 4)
      expect(await point.x).toBe(3)
      expect(await point.length()).toBe(5)
      expect(await point.later()).toBe(3)
      expect(await point.promised()).toBe(4)
      await assign(point.label, 'p')
      expect(await point.label).toBe('p')
    })

    test('statics: values and methods returning proxied instances', async () => {
      const remote = serve({ Point })
      expect(await remote.Point.origin).toBe('zero')
      const made = await remote.Point.make(6, 8)
      expect(await made.length()).toBe(10)
    })

    test('an instance method returning a proxy of its instance gives the same remote', async () => {
      const remote = serve({ Point })
      const point = await new remote.Point(0, 0)
      const moved = await point.moveBy(1, 1)
      expect(await moved.x).toBe(1)
      expect(await point.x).toBe(1)
    })

    test('a bare class exposed as the service', async () => {
      const remote = serve(Point)
      const point = await new remote(1, 0)
      expect(await point.length()).toBe(1)
    })

    test('the `this` of a nested method is its own object', async () => {
      const remote = serve({
        outer: {
          name: 'outer',
          inner: {
            name: 'inner',
            whoAmI(this: { name: string }) {
              return this.name
            },
          },
        },
      })
      expect(await remote.outer.inner.whoAmI()).toBe('inner')
    })
  })

  describe('errors', () => {
    test('sync and async throws keep message and stack; non-errors are rethrown as themselves', async () => {
      const remote = serve({
        sync() {
          throw new Error('sync failure')
        },
        async later() {
          throw new TypeError('async failure')
        },
        scalar() {
          throw 7
        },
        nothing() {
          throw null
        },
        plain() {
          throw { reason: 'object' }
        },
      })
      const sync = (await remote.sync().catch((e: unknown) => e)) as Error
      expect(sync.message).toBe('sync failure')
      expect(sync.stack).toContain('sync failure')
      await expect(remote.later()).rejects.toThrow(TypeError)
      await expect(remote.scalar()).rejects.toBe(7)
      await expect(remote.nothing()).rejects.toBe(null)
      await expect(remote.plain()).rejects.toEqual({ reason: 'object' })
    })
  })

  describe('callbacks', () => {
    test('marked parameters, several of them, simple functions and objects', async () => {
      const remote = serve({
        async both(
          a: Remote<(n: number) => number>,
          b: Remote<{ value: number; twice(): number }>,
        ) {
          return (await a(1)) + (await b.value) + (await b.twice())
        },
      })
      const result = await remote.both(
        proxy((n: number) => n + 1),
        proxy({
          value: 10,
          twice() {
            return this.value * 2
          },
        }),
      )
      expect(result).toBe(2 + 10 + 20)
    })

    test('marked return values, also of proxies returning proxies', async () => {
      const remote = serve({
        outer() {
          return proxy({ inner: () => proxy({ value: () => 'innermost' }) })
        },
      })
      const outer = await remote.outer()
      const inner = await outer.inner()
      expect(await inner.value()).toBe('innermost')
    })

    test('a callback invoked many times and after the call that passed it returned', async () => {
      let saved: Remote<(n: number) => void> | undefined
      const remote = serve({
        register(callback: Remote<(n: number) => void>) {
          saved = callback
        },
        async fire(times: number) {
          for (let i = 0; i < times; i++) await saved?.(i)
        },
      })
      const seen: number[] = []
      await remote.register(proxy((n: number) => void seen.push(n)))
      await remote.fire(3)
      expect(seen).toEqual([0, 1, 2])
    })
  })

  describe('release and finalizers', () => {
    test('a released remote rejects every later use, also of its properties', async () => {
      const remote = serve({ make: () => proxy({ value: 1, get: () => 1 }) })
      const made = await remote.make()
      release(made)
      await expect(made.get()).rejects.toMatchObject({ code: 'RELEASED' })
      await expect(Promise.resolve(made.value)).rejects.toMatchObject({ code: 'RELEASED' })
    })

    test('releasing the root remote of a service does not close the port', async () => {
      ports = pair()
      expose({ v: () => 1 }, ports.a)
      const first = wrap<{ v(): number }>(ports.b)
      release(first)
      await expect(first.v()).rejects.toMatchObject({ code: 'RELEASED' })
      const second = wrap<{ v(): number }>(ports.b)
      expect(await second.v()).toBe(1)
    })

    test('an unreferenced remote is finalized and its owner lets the object go', async () => {
      let weak: WeakRef<object> | undefined
      const remote = serve({
        make() {
          const value = { ping: () => 'pong' }
          weak = new WeakRef(value)
          return proxy(value) as ProxyMarked<{ ping(): string }>
        },
      })
      await (async () => {
        expect(await (await remote.make()).ping()).toBe('pong')
      })()
      expect(await collectUntil(() => weak?.deref() === undefined)).toBe(true)
    })
  })
})
