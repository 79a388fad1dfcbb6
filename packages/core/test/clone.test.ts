/**
 * Targeted cases for `clone`: each type it copies, compared with what Node's `structuredClone`
 * returns for the same value, and each error it throws (class, name, code, message, path).
 */
import { MessageChannel as NodeMessageChannel } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { clone, kNotSerializable } from '../src/clone'

/** Own keys with their attributes and (for primitives) values, the way both clones must agree. */
function shape(value: object): unknown[] {
  return Reflect.ownKeys(value).map((key) => {
    const d = Object.getOwnPropertyDescriptor(value, key) as PropertyDescriptor
    const v = 'value' in d ? d.value : 'accessor'
    return [
      String(key),
      typeof v === 'object' && v !== null ? 'object' : v,
      d.writable,
      d.enumerable,
      d.configurable,
    ]
  })
}

/** Clones with both and expects deep equality, same prototype and same own-key shape. */
function cloneLikeHost<T>(value: T): T {
  const ours = clone(value) as T
  const host = structuredClone(value)
  expect(ours).toStrictEqual(host)
  if (typeof ours === 'object' && ours !== null) {
    expect(ours).not.toBe(value)
    expect(Object.getPrototypeOf(ours)).toBe(Object.getPrototypeOf(host))
    expect(shape(ours)).toEqual(shape(host as object))
  }
  return ours
}

/** Runs `fn`, expects it to throw, returns what it threw. */
function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (error) {
    return error
  }
  throw new Error('expected a throw')
}

function expectDataCloneError(error: unknown, message?: string | RegExp): void {
  expect(error).toBeInstanceOf(DOMException)
  const e = error as DOMException
  expect(e.name).toBe('DataCloneError')
  expect(e.code).toBe(25)
  if (typeof message === 'string') expect(e.message).toBe(message)
  else if (message) expect(e.message).toMatch(message)
}

const portMessage = (type: string) =>
  `Could not serialize object of type "${type}". This type does not support serialization.`

describe('primitives', () => {
  it('come back as they are', () => {
    for (const value of [0, -0, NaN, 1.5, Infinity, 'x', '', true, false, 12n, null, undefined]) {
      expect(Object.is(clone(value), value)).toBe(true)
    }
  })
})

describe('plain objects', () => {
  it('copies own enumerable string keys in the host order, integer keys first', () => {
    const copy = cloneLikeHost({ b: 1, a: 'x', 2: true, 1: null, z: undefined, n: { deep: [1] } })
    expect(Object.keys(copy)).toEqual(['1', '2', 'b', 'a', 'z', 'n'])
  })

  it('skips non-enumerable and symbol keys', () => {
    const source: Record<PropertyKey, unknown> = { kept: 1, [Symbol('s')]: 2 }
    Object.defineProperty(source, 'hidden', { value: 3, enumerable: false })
    expect(Reflect.ownKeys(cloneLikeHost(source))).toEqual(['kept'])
  })

  it('does not look at values under symbol or non-enumerable keys', () => {
    const source = { a: 1, [Symbol('s')]: () => 1 }
    Object.defineProperty(source, 'hidden', { value: () => 1, enumerable: false })
    expect(cloneLikeHost(source)).toEqual({ a: 1 })
  })

  it('gives null-prototype objects Object.prototype, as the host does', () => {
    const source = Object.assign(Object.create(null) as object, { a: 1 })
    expect(Object.getPrototypeOf(cloneLikeHost(source))).toBe(Object.prototype)
  })

  it('turns class instances into plain objects with their own enumerable properties', () => {
    class Point {
      x = 1
      y = 2
      get sum() {
        return this.x + this.y
      }
    }
    const copy = cloneLikeHost(new Point())
    expect(copy).not.toBeInstanceOf(Point)
    expect(copy).toEqual({ x: 1, y: 2 })
  })

  it('keeps an own "__proto__" key as data and the prototype untouched', () => {
    const copy = cloneLikeHost(JSON.parse('{"__proto__":{"x":1},"a":2}') as object)
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype)
    expect(Object.keys(copy)).toEqual(['__proto__', 'a'])
  })

  it('copies objects with many properties (dictionary mode)', () => {
    const source: Record<string, number> = {}
    for (let i = 0; i < 2000; i++) source[`k${i}`] = i
    delete source.k7
    cloneLikeHost(source)
  })
})

describe('arrays', () => {
  it('keeps holes, trailing holes and the length', () => {
    // biome-ignore lint/suspicious/noSparseArray: holes are the point of this test
    const copy = cloneLikeHost([1, , 3, , ,])
    expect(copy.length).toBe(5)
    expect(1 in copy).toBe(false)
    expect(4 in copy).toBe(false)
  })

  it('keeps undefined elements distinct from holes', () => {
    const copy = cloneLikeHost([undefined, 1])
    expect(0 in copy).toBe(true)
  })

  it('keeps extra named properties after the elements', () => {
    const source = Object.assign([1, 2], { extra: 'x', '-1': 'minus' })
    const copy = cloneLikeHost(source)
    expect(Object.keys(copy)).toEqual(['0', '1', 'extra', '-1'])
  })

  it('keeps regexp match arrays as arrays with index, input and groups', () => {
    cloneLikeHost(/(?<word>b+)/.exec('abbc'))
  })

  it('copies a huge sparse array without walking its length', () => {
    const source: number[] = []
    source[1e9] = 1
    const copy = cloneLikeHost(source)
    expect(copy.length).toBe(1e9 + 1)
    expect(Object.keys(copy)).toEqual(['1000000000'])
  })

  it('turns a non-enumerable element into a hole, as the host does', () => {
    const source = [1, 2, 3]
    Object.defineProperty(source, 1, { value: 5, enumerable: false })
    expect(1 in cloneLikeHost(source)).toBe(false)
  })

  it('leaves a hole where a getter deleted a later element, as the host does', () => {
    const make = () => {
      const list: unknown[] = [0, 1, 2, 3]
      list[0] = {
        get shrink() {
          list.length = 2
          return 'shrunk'
        },
      }
      return list
    }
    const copy = clone(make()) as unknown[]
    expect(copy).toStrictEqual(structuredClone(make()))
    expect(copy.length).toBe(4)
    expect(2 in copy).toBe(false)
  })

  it('turns an Array subclass into an Array', () => {
    class List extends Array<number> {}
    const copy = cloneLikeHost(List.from([1, 2]))
    expect(Object.getPrototypeOf(copy)).toBe(Array.prototype)
  })

  it('copies long arrays of numbers and of objects', () => {
    cloneLikeHost(Array.from({ length: 10_000 }, (_, i) => i / 3))
    cloneLikeHost(Array.from({ length: 5000 }, (_, i) => ({ i })))
  })
})

describe('identity', () => {
  it('keeps cycles and shared references', () => {
    const shared = { s: 1 }
    const root: Record<string, unknown> = { a: shared, b: [shared, shared] }
    root.self = root
    const copy = clone(root) as typeof root & { a: object; b: object[] }
    expect(copy).not.toBe(root)
    expect(copy.self).toBe(copy)
    expect(copy.b[0]).toBe(copy.a)
    expect(copy.b[1]).toBe(copy.a)
    expect(copy.a).not.toBe(shared)
  })

  it('keeps sharing across many objects (past the small linear memo)', () => {
    const shared = { s: 1 }
    const list = Array.from({ length: 300 }, (_, i) => ({ i, shared, next: null as unknown }))
    for (let i = 0; i < list.length; i++) (list[i] as { next: unknown }).next = list[(i + 1) % 300]
    const copy = clone(list) as typeof list
    for (let i = 0; i < copy.length; i++) {
      expect(copy[i]?.shared).toBe(copy[0]?.shared)
      expect(copy[i]?.next).toBe(copy[(i + 1) % 300])
    }
  })

  it('does not share anything between two calls', () => {
    const source = { a: {} }
    expect((clone(source) as typeof source).a).not.toBe((clone(source) as typeof source).a)
  })
})

describe('built-in types', () => {
  it('copies dates, also invalid ones and subclasses', () => {
    class Day extends Date {}
    const copy = cloneLikeHost([new Date(0), new Date(Number.NaN), new Day(5)])
    cloneLikeHost(Object.assign(new Date(1), { own: 'dropped' }))
    expect(Number.isNaN(copy[1]?.getTime())).toBe(true)
    expect(Object.getPrototypeOf(copy[2])).toBe(Date.prototype)
  })

  it('copies regexps with source and flags, and lastIndex as the host gives it', () => {
    const source = /a\/b[\n]/dgimsy
    source.lastIndex = 3
    const copy = cloneLikeHost(source)
    expect(copy.source).toBe(source.source)
    expect(copy.flags).toBe('dgimsy')
    expect(copy.lastIndex).toBe(structuredClone(source).lastIndex)
    expect(cloneLikeHost(/x/v).unicodeSets).toBe(true)
  })

  it('copies boxed primitives, keeping -0', () => {
    const copy = cloneLikeHost([Object(-0), Object('s'), Object(false), Object(3n)])
    expect(Object.is((copy[0] as number).valueOf(), -0)).toBe(true)
  })

  it('copies Maps with object keys in order, and Sets', () => {
    const key = { k: 1 }
    const source = new Map<unknown, unknown>([
      [key, 'object key'],
      [Number.NaN, key],
      ['s', new Set([key, 1, 'x'])],
    ])
    const copy = cloneLikeHost(source)
    const [copiedKey] = copy.keys()
    expect(copy.get(Number.NaN)).toBe(copiedKey)
    expect([...(copy.get('s') as Set<unknown>)][0]).toBe(copiedKey)
  })

  it('drops own properties of built-in objects, as the host does', () => {
    for (const value of [
      /x/g,
      new Map(),
      new Set([1]),
      new Uint8Array(2),
      new ArrayBuffer(2),
      Object(1),
      new Error('e'),
    ])
      cloneLikeHost(Object.assign(value, { own: 'dropped' }))
  })

  it('turns Map and Set subclasses into Map and Set, dropping own properties', () => {
    class Registry extends Map<number, number> {
      label = 'r'
    }
    class Tags extends Set<string> {}
    expect(Object.getPrototypeOf(cloneLikeHost(new Registry([[1, 2]])))).toBe(Map.prototype)
    expect(Object.getPrototypeOf(cloneLikeHost(new Tags(['a'])))).toBe(Set.prototype)
  })

  it('clones a fake built-in (no internal slot) as a plain object', () => {
    cloneLikeHost(Object.assign(Object.create(Map.prototype) as object, { a: 1 }))
    cloneLikeHost(Object.assign(Object.create(Date.prototype) as object, { a: 1 }))
    cloneLikeHost(Object.assign(Object.create(Uint8Array.prototype) as object, { a: 1 }))
  })

  it('copies ArrayBuffers, resizable ones with their maximum', () => {
    const bytes = new Uint8Array([1, 2, 3])
    const copy = cloneLikeHost(bytes.buffer)
    expect(new Uint8Array(copy)).toEqual(bytes)
    const resizable = new ArrayBuffer(4, { maxByteLength: 16 })
    const resizableCopy = clone(resizable) as ArrayBuffer
    expect(resizableCopy.resizable).toBe(true)
    expect(resizableCopy.maxByteLength).toBe(16)
  })

  it('copies every typed array and DataView', () => {
    const ctors = [
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
    ]
    for (const Ctor of ctors) {
      const view = new Ctor(new ArrayBuffer(32), 8, 2)
      const copy = cloneLikeHost(view)
      expect(copy.byteOffset).toBe(8)
      expect(copy.buffer.byteLength).toBe(32)
    }
    cloneLikeHost(new DataView(new ArrayBuffer(8), 2, 4))
  })

  it('shares one cloned buffer between views of one buffer', () => {
    const buffer = new ArrayBuffer(16)
    const copy = clone([new Uint8Array(buffer, 4, 4), new DataView(buffer), buffer]) as [
      Uint8Array,
      DataView,
      ArrayBuffer,
    ]
    expect(copy[0].buffer).toBe(copy[2])
    expect(copy[1].buffer).toBe(copy[2])
    expect(copy[2]).not.toBe(buffer)
  })

  it('turns a Node Buffer into a Uint8Array over a copy of its whole pool', () => {
    const copy = cloneLikeHost(Buffer.from('abc'))
    expect(Object.getPrototypeOf(copy)).toBe(Uint8Array.prototype)
  })

  it('keeps length-tracking views length-tracking, fixed ones fixed', () => {
    const buffer = new ArrayBuffer(8, { maxByteLength: 32 })
    const [tracking, fixed, trackingView] = clone([
      new Uint16Array(buffer, 2),
      new Uint16Array(buffer, 2, 3),
      new DataView(buffer, 1),
    ]) as [Uint16Array, Uint16Array, DataView]
    ;(tracking.buffer as ArrayBuffer).resize(16)
    expect(tracking.length).toBe(7)
    expect(fixed.length).toBe(3)
    expect(trackingView.byteLength).toBe(15)
    expect(buffer.byteLength).toBe(8) // the caller's buffer was never resized
  })
})

describe('Errors', () => {
  it('keeps the standard types, message and stack', () => {
    for (const Ctor of [
      Error,
      EvalError,
      RangeError,
      ReferenceError,
      SyntaxError,
      TypeError,
      URIError,
    ]) {
      const copy = cloneLikeHost(new Ctor('boom'))
      expect(Object.getPrototypeOf(copy)).toBe(Ctor.prototype)
      expect(copy.message).toBe('boom')
    }
  })

  it('restores AggregateError and unknown names as Error, and picks the type from `name`', () => {
    expect(Object.getPrototypeOf(cloneLikeHost(new AggregateError([1], 'a')))).toBe(Error.prototype)
    class HttpError extends Error {
      override name = 'TypeError'
      status = 500
    }
    const copy = cloneLikeHost(new HttpError('x'))
    expect(Object.getPrototypeOf(copy)).toBe(TypeError.prototype)
    expect(copy).not.toHaveProperty('status')
  })

  it('keeps cause (any value, also another Error) and the absence of message', () => {
    cloneLikeHost(new Error('outer', { cause: new RangeError('inner', { cause: { code: 1 } }) }))
    cloneLikeHost(new Error(undefined, { cause: undefined }))
    const copy = cloneLikeHost(new Error())
    expect(Object.hasOwn(copy, 'message')).toBe(false)
  })

  it('gives an undefined stack when the source stack is not a string', () => {
    const source = new Error('x')
    Object.defineProperty(source, 'stack', { value: 42, configurable: true })
    expect(cloneLikeHost(source).stack).toBeUndefined()
  })

  it('ignores an accessor message or cause', () => {
    const source = new Error('x')
    Object.defineProperty(source, 'message', { get: () => 'm', configurable: true })
    Object.defineProperty(source, 'cause', { get: () => 'c', configurable: true })
    cloneLikeHost(source)
  })

  it('reads name, message, cause and stack in the host order', () => {
    const log: string[] = []
    const make = () => {
      class Logged extends Error {
        override get name() {
          log.push('name')
          return 'RangeError'
        }
      }
      const error = new Logged('x')
      Object.defineProperty(error, 'stack', {
        get: () => log.push('stack') && 'S',
        configurable: true,
      })
      error.cause = {
        get inner() {
          log.push('cause')
          return 1
        },
      }
      return error
    }
    structuredClone(make())
    const hostLog = log.splice(0)
    clone(make())
    expect(log).toEqual(hostLog)
  })

  it('fails like the host when an Error sits inside its own cause', () => {
    const source = new Error('loop')
    source.cause = { back: source }
    const host = thrown(() => structuredClone(source)) as Error
    const ours = thrown(() => clone(source)) as Error
    expect(Object.getPrototypeOf(ours)).toBe(Object.getPrototypeOf(host))
    expect(ours.name).toBe(host.name)
    expect(ours.message).toMatch(/^Unable to deserialize cloned data.*\(at message\.cause\.back\)/)
  })

  it('keeps an Error shared between a container and its own cause chain', () => {
    const error = new Error('e')
    const holder = { error }
    error.cause = holder
    const copy = cloneLikeHost(holder)
    expect(copy.error.cause).toBe(copy)
  })
})

describe('getters', () => {
  /** Builds a value whose getters log their names, nested in objects, arrays and Maps. */
  function logged(log: string[]) {
    const get = (name: string, value: unknown) => () => {
      log.push(name)
      return value
    }
    const inner = Object.defineProperty({ z: 1 }, 'y', { get: get('inner.y', 2), enumerable: true })
    const list = [0, 1]
    Object.defineProperty(list, 1, { get: get('list[1]', inner), enumerable: true })
    return Object.defineProperties({ first: 1 } as Record<string, unknown>, {
      a: { get: get('a', list), enumerable: true },
      b: { get: get('b', new Map([[inner, list]])), enumerable: true },
      hidden: { get: get('hidden', 0), enumerable: false },
      c: { get: get('c', 'done'), enumerable: true },
    })
  }

  it('run once each, in the host order', () => {
    const hostLog: string[] = []
    const ourLog: string[] = []
    const host = structuredClone(logged(hostLog))
    const ours = clone(logged(ourLog))
    expect(ourLog).toEqual(hostLog)
    expect(ours).toStrictEqual(host)
  })

  it('propagate their exception unchanged and stop the clone there', () => {
    const failure = new Error('getter failed')
    const log: string[] = []
    const source = {
      get a() {
        log.push('a')
        return 1
      },
      get b(): never {
        throw failure
      },
      get c() {
        log.push('c')
        return 1
      },
    }
    expect(thrown(() => clone(source))).toBe(failure)
    expect(log).toEqual(['a'])
  })

  it('skip a property deleted by an earlier getter, even one the prototype also has', () => {
    const make = () => {
      class Base {
        get x() {
          return 'inherited'
        }
      }
      const source = new Base() as Base & { a: number }
      Object.defineProperty(source, 'a', {
        get() {
          delete (this as { x?: unknown }).x
          return 1
        },
        enumerable: true,
        configurable: true,
      })
      Object.defineProperty(source, 'x', { value: 'own', enumerable: true, configurable: true })
      return source
    }
    const plain = () => ({
      get a() {
        delete (this as { toString?: unknown }).toString
        return 1
      },
      toString: 'own',
    })
    expect(clone(make())).toStrictEqual(structuredClone(make()))
    expect(clone(plain())).toStrictEqual(structuredClone(plain()))
  })

  it('keep properties made non-enumerable by an earlier getter, as the host does', () => {
    const make = () => ({
      get a() {
        Object.defineProperty(this, 'b', { enumerable: false })
        return 1
      },
      b: 2,
    })
    expect(clone(make())).toStrictEqual(structuredClone(make()))
  })

  it('may clone another message themselves (nested clone) without disturbing the outer one', () => {
    const shared = { s: 1 }
    const source = {
      a: shared,
      get nested() {
        const inner = clone({ x: [shared, shared] }) as { x: object[] }
        expect(inner.x[0]).toBe(inner.x[1])
        const failure = thrown(() => clone({ deep: { fn: () => 1 } })) as Error
        expect(failure.message).toBe('function could not be cloned (at message.deep.fn)')
        return inner
      },
      b: shared,
      c: [() => 1],
    }
    const error = thrown(() => clone(source)) as Error
    expect(error.message).toBe('function could not be cloned (at message.c[0])')
    const ok = clone({ ...source, c: [] }) as Record<string, unknown>
    expect(ok.a).toBe(ok.b)
  })
})

describe('values that cannot be cloned', () => {
  it('throws DataCloneError naming functions and symbols and where they were found', () => {
    expectDataCloneError(
      thrown(() => clone({ handlers: [1, 2, () => 1] })),
      'function could not be cloned (at message.handlers[2])',
    )
    expectDataCloneError(
      thrown(() => clone(() => 1)),
      'function could not be cloned (at message)',
    )
    expectDataCloneError(
      thrown(() => clone(Symbol('s'))),
      'symbol could not be cloned (at message)',
    )
    expectDataCloneError(
      thrown(() => clone({ 'a-b': { x: Symbol('s') } })),
      'symbol could not be cloned (at message["a-b"].x)',
    )
  })

  it('names paths through Maps, Sets and causes', () => {
    const fn = () => 1
    expectDataCloneError(
      thrown(() => clone({ m: new Map([['k', fn]]) })),
      'function could not be cloned (at message.m.get("k"))',
    )
    expectDataCloneError(
      thrown(() =>
        clone(
          new Map<unknown, unknown>([
            [1, 1],
            [fn, 2],
          ]),
        ),
      ),
      'function could not be cloned (at message.keys()[1])',
    )
    expectDataCloneError(
      thrown(() => clone(new Map([[{}, { f: fn }]]))),
      'function could not be cloned (at message.values()[0].f)',
    )
    expectDataCloneError(
      thrown(() => clone(new Set([1, [fn]]))),
      'function could not be cloned (at message.values()[1][0])',
    )
    expectDataCloneError(
      thrown(() => clone(new Error('e', { cause: { f: fn } }))),
      'function could not be cloned (at message.cause.f)',
    )
  })

  it('refuses what the host refuses, with the same class and name', () => {
    const refused: [string, () => unknown][] = [
      ['WeakMap', () => new WeakMap()],
      ['WeakSet', () => new WeakSet()],
      ['WeakRef', () => new WeakRef({})],
      ['Promise', () => Promise.resolve()],
      ['Proxy', () => new Proxy({}, {})],
      ['Proxy', () => new Proxy([], {})],
      ['Generator', () => (function* () {})()],
      [
        'arguments object',
        () =>
          (function (..._: unknown[]) {
            // biome-ignore lint/complexity/noArguments: the arguments object is the case under test
            return arguments
          })(1),
      ],
      ['Symbol object', () => Object(Symbol('s'))],
      ['Array Iterator', () => [][Symbol.iterator]()],
      ['global object', () => globalThis],
    ]
    for (const [kind, make] of refused) {
      const host = thrown(() => structuredClone({ deep: [make()] }))
      const ours = thrown(() => clone({ deep: [make()] }))
      expectDataCloneError(host)
      expectDataCloneError(ours, `${kind} could not be cloned (at message.deep[0])`)
    }
  })

  it('refuses a Proxy without running its traps', () => {
    const trapped: string[] = []
    const trap =
      <T>(name: string, result: T) =>
      () => {
        trapped.push(name)
        return result
      }
    const proxy = new Proxy(
      {},
      {
        get: trap('get', 1),
        ownKeys: trap('ownKeys', []),
        getPrototypeOf: trap('getPrototypeOf', Object.prototype),
      },
    )
    expectDataCloneError(thrown(() => clone({ proxy })))
    expect(trapped).toEqual([])
  })

  it('refuses a detached ArrayBuffer and views on one', () => {
    const buffer = new ArrayBuffer(8)
    const view = new Uint8Array(buffer)
    structuredClone(buffer, { transfer: [buffer] })
    expectDataCloneError(thrown(() => structuredClone(buffer)))
    expectDataCloneError(
      thrown(() => clone({ buffer })),
      'detached ArrayBuffer could not be cloned (at message.buffer)',
    )
    expectDataCloneError(
      thrown(() => clone([view])),
      /^detached ArrayBuffer .*\(at message\[0\]\)/,
    )
  })

  it('refuses a view that its resizable buffer has shrunk below', () => {
    const buffer = new ArrayBuffer(8, { maxByteLength: 8 })
    const view = new Uint8Array(buffer, 4, 4)
    const dataView = new DataView(buffer, 4, 4)
    buffer.resize(2)
    expectDataCloneError(thrown(() => structuredClone(view)))
    expectDataCloneError(
      thrown(() => clone(view)),
      /Uint8Array/,
    )
    expectDataCloneError(
      thrown(() => clone(dataView)),
      /DataView/,
    )
  })
})

describe('postMessage rules on top of structuredClone', () => {
  class FakePort {
    static {
      Object.defineProperty(FakePort.prototype, kNotSerializable, { value: 'MessagePort' })
    }
    data = 1
  }

  it('refuses objects whose prototype chain carries kNotSerializable, anywhere', () => {
    class SubPort extends FakePort {}
    for (const value of [new FakePort(), { a: [new SubPort()] }, new Map([[1, new FakePort()]])]) {
      expectDataCloneError(
        thrown(() => clone(value)),
        portMessage('MessagePort'),
      )
    }
  })

  it('uses the type name the prototype gives', () => {
    const channel = Object.create({ [kNotSerializable]: 'MessageChannel' }) as object
    expectDataCloneError(
      thrown(() => clone([channel])),
      portMessage('MessageChannel'),
    )
  })

  it("refuses the host's MessagePort and MessageChannel", () => {
    const channel = new NodeMessageChannel()
    try {
      expectDataCloneError(
        thrown(() => clone({ p: channel.port1 })),
        portMessage('MessagePort'),
      )
      expectDataCloneError(
        thrown(() => clone([channel])),
        portMessage('MessageChannel'),
      )
      const global = new MessageChannel()
      expectDataCloneError(
        thrown(() => clone(global.port2)),
        portMessage('MessagePort'),
      )
      global.port1.close()
    } finally {
      channel.port1.close()
    }
  })

  it('refuses a SharedArrayBuffer with a TypeError, also under a view', () => {
    const sab = new SharedArrayBuffer(8)
    for (const value of [sab, { deep: [sab] }, new Int32Array(sab), new DataView(sab, 2)]) {
      const error = thrown(() => clone(value))
      expect(error).toBeInstanceOf(TypeError)
      expect((error as Error).message).toBe('SharedArrayBuffer is unsupported with MessagePort')
    }
  })
})

describe('objects left to the host', () => {
  it('clones a Blob through the host, once per Blob', async () => {
    const blob = new Blob(['hello'])
    const copy = clone({ a: blob, b: blob }) as { a: Blob; b: Blob }
    expect(copy.a).toBeInstanceOf(Blob)
    expect(copy.a).not.toBe(blob)
    expect(copy.b).toBe(copy.a)
    expect(await copy.a.text()).toBe('hello')
  })

  it('clones a WebAssembly.Module through the host', () => {
    const module = new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]))
    expect(clone(module)).toBeInstanceOf(WebAssembly.Module)
  })
})
