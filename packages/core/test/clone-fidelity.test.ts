/**
 * Clone fidelity through a real channel: what `port2` receives from `port1.postMessage(value)`
 * equals what Node's `structuredClone(value)` returns, for each kind of value the clone handles.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { MessageChannel, type MessagePort } from '../src/index'

const open: MessagePort[] = []
afterEach(() => {
  for (const port of open.splice(0)) port.close()
})

/** A channel whose `port2` resolves each `next()` with the data of the next message. */
function channel() {
  const { port1, port2 } = new MessageChannel()
  open.push(port1, port2)
  const received: unknown[] = []
  const waiting: ((data: unknown) => void)[] = []
  port2.onmessage = (event) => {
    const resolve = waiting.shift()
    if (resolve) resolve(event.data)
    else received.push(event.data)
  }
  /** The next message's data; rejects after 1 s so a lost message fails instead of hanging. */
  const next = (): Promise<unknown> => {
    if (received.length > 0) return Promise.resolve(received.shift())
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no message within 1 s')), 1000)
      waiting.push((data) => {
        clearTimeout(timer)
        resolve(data)
      })
    })
  }
  return { port1, next }
}

/** Posts `value` and expects the delivered copy to equal `structuredClone(value)`. */
async function deliversLikeHost<T>(value: T): Promise<T> {
  const { port1, next } = channel()
  const expected = structuredClone(value)
  port1.postMessage(value)
  const data = (await next()) as T
  expect(data).toStrictEqual(expected)
  if (typeof data === 'object' && data !== null) {
    expect(data).not.toBe(value)
    expect(Object.getPrototypeOf(data)).toBe(Object.getPrototypeOf(expected))
    expect(Reflect.ownKeys(data)).toEqual(Reflect.ownKeys(expected as object))
  }
  return data
}

describe('postMessage delivers what structuredClone returns', () => {
  it('primitives: -0, NaN, BigInt, strings, null', async () => {
    const data = await deliversLikeHost([-0, Number.NaN, 2n ** 70n, 'text', null, true])
    expect(Object.is(data[0], -0)).toBe(true)
  })

  it('Map with object keys and Set, in order', async () => {
    const key = { id: 1 }
    const data = await deliversLikeHost({
      map: new Map<unknown, unknown>([
        [key, 'a'],
        ['b', key],
      ]),
      set: new Set([3, 1, key]),
    })
    const [copiedKey] = data.map.keys()
    expect(data.map.get('b')).toBe(copiedKey)
    expect([...data.set][2]).toBe(copiedKey)
  })

  it('Date, also invalid, and RegExp with flags and lastIndex', async () => {
    const regexp = /a+b/dgimsy
    regexp.lastIndex = 2
    const data = await deliversLikeHost([new Date(86_400_000), new Date(Number.NaN), regexp])
    expect((data[2] as RegExp).flags).toBe('dgimsy')
    expect((data[2] as RegExp).lastIndex).toBe(structuredClone(regexp).lastIndex)
  })

  it('boxed primitives', async () => {
    await deliversLikeHost([Object(-0), Object('s'), Object(true), Object(5n)])
  })

  it('ArrayBuffer, every typed array and DataView, sharing one buffer', async () => {
    const buffer = new ArrayBuffer(64)
    new Uint8Array(buffer).forEach((_, i, bytes) => {
      bytes[i] = i
    })
    const views = [
      Int8Array,
      Uint8Array,
      Uint8ClampedArray,
      Int16Array,
      Uint16Array,
      Int32Array,
      Uint32Array,
      Float32Array,
      Float64Array,
      BigInt64Array,
      BigUint64Array,
    ].map((Ctor) => new Ctor(buffer, 8, 2))
    const data = await deliversLikeHost({ buffer, views, dataView: new DataView(buffer, 3, 5) })
    for (const view of [...data.views, data.dataView]) {
      expect(view.buffer).toBe(data.buffer)
      expect(view.buffer).not.toBe(buffer)
    }
    expect(data.views[0]?.byteOffset).toBe(8)
    expect(data.dataView.byteOffset).toBe(3)
  })

  it('sparse arrays and arrays with extra properties', async () => {
    // biome-ignore lint/suspicious/noSparseArray: holes are the point of this test
    const sparse = [1, , 3, , ,]
    const data = await deliversLikeHost([sparse, Object.assign([1, 2], { extra: true })])
    expect(1 in (data[0] as unknown[])).toBe(false)
    expect(data[0]?.length).toBe(5)
  })

  it('cycles and shared references keep their shape', async () => {
    const shared = { name: 'shared' }
    const root: Record<string, unknown> = { a: shared, list: [shared, shared] }
    root.self = root
    const data = (await deliversLikeHost(root)) as typeof root & { list: unknown[] }
    expect(data.self).toBe(data)
    expect(data.list[0]).toBe(data.a)
    expect(data.list[1]).toBe(data.a)
  })

  it('class instances arrive as plain objects', async () => {
    class Point {
      constructor(
        public x: number,
        public y: number,
      ) {}
      norm() {
        return Math.hypot(this.x, this.y)
      }
    }
    const data = await deliversLikeHost(new Point(3, 4))
    expect(data).not.toBeInstanceOf(Point)
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype)
  })

  it('Errors and their subclasses keep type, message, stack and cause', async () => {
    class NotFound extends RangeError {}
    const error = new NotFound('missing', { cause: new TypeError('inner', { cause: { code: 7 } }) })
    const data = await deliversLikeHost([error, new AggregateError([], 'many'), new Error()])
    const copy = data[0] as Error & { cause: Error & { cause: unknown } }
    expect(Object.getPrototypeOf(copy)).toBe(RangeError.prototype)
    expect(copy.stack).toBe(error.stack)
    expect(Object.getPrototypeOf(copy.cause)).toBe(TypeError.prototype)
    expect(copy.cause.cause).toEqual({ code: 7 })
  })

  it('skips non-enumerable and symbol keys', async () => {
    const value: Record<PropertyKey, unknown> = { shown: 1, [Symbol('hidden')]: 2 }
    Object.defineProperty(value, 'hidden', { value: 3, enumerable: false })
    expect(Reflect.ownKeys(await deliversLikeHost(value))).toEqual(['shown'])
  })
})

describe('getters run inside postMessage', () => {
  it('run during the call; later changes to the original are not seen', async () => {
    const { port1, next } = channel()
    const log: string[] = []
    const value = {
      count: 1,
      get computed() {
        log.push('computed')
        return this.count * 10
      },
    }
    port1.postMessage(value)
    expect(log).toEqual(['computed'])
    value.count = 2
    expect(await next()).toEqual({ count: 1, computed: 10 })
    expect(log).toEqual(['computed'])
  })

  it('a throwing getter makes postMessage throw that error, and nothing is enqueued', async () => {
    const { port1, next } = channel()
    const failure = new Error('getter failed')
    const bad = {
      get broken(): never {
        throw failure
      },
    }
    expect(() => port1.postMessage(bad)).toThrow(failure)
    port1.postMessage('after')
    expect(await next()).toBe('after')
  })
})
