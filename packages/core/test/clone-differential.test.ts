/**
 * Differential property tests: `clone(v)` against Node's `structuredClone(v)` on generated values.
 *
 * fast-check generates a description of a value (`Spec`); `build` turns it into a fresh object
 * graph, once for each side, so getters log into separate lists and neither clone sees the
 * other's side effects. The two results are walked in parallel by `expectSameClone`, which checks
 * types, prototypes, own keys with their attributes, and that object identity maps one to one
 * (same cycles and shared references, not only deep equality).
 *
 * Values that must fail carry one "poison" at a random place. For what the host refuses
 * (functions, symbols, WeakMap, Promise, Proxy, Symbol objects) both must throw a DataCloneError.
 * For the rules only `postMessage` has (ports, kNotSerializable, SharedArrayBuffer) the host
 * cannot judge, so a third build with a function in place of the poison tells whether the walk
 * reaches that place; if it does, `clone` must throw the rule's error after the same getters.
 */
import { types } from 'node:util'
import { MessageChannel as NodeMessageChannel } from 'node:worker_threads'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { clone, kNotSerializable } from '../src/clone'

// ---------------------------------------------------------------------------------------------
// Value descriptions.

type Mode = 'data' | 'getter' | 'hidden' | 'symbol' | 'throwing'
interface Prop {
  key: string
  mode: Mode
  value: Spec
}
type HostPoison = 'function' | 'symbol' | 'weakmap' | 'promise' | 'proxy' | 'symbolObject'
type RulePoison = 'marked' | 'hostPort' | 'sab' | 'sabView'
type Poison = HostPoison | RulePoison
const rulePoisons: readonly Poison[] = ['marked', 'hostPort', 'sab', 'sabView']

type Spec =
  | { t: 'prim'; v: unknown }
  | { t: 'obj'; proto: 'object' | 'null' | 'class' | 'legacy'; props: Prop[] }
  | { t: 'arr'; length: number; items: [number, Mode, Spec][]; extra: Prop[]; sub: boolean }
  | { t: 'map'; entries: [Spec, Spec][] }
  | { t: 'set'; values: Spec[] }
  | { t: 'date'; time: number }
  | { t: 'regexp'; source: string; flags: string; lastIndex: number }
  | { t: 'boxed'; v: number | string | boolean | bigint }
  | { t: 'buffer'; bytes: number[]; max: number | null }
  | { t: 'view'; type: string; buffer: number | null; offset: number; length: number | null }
  | { t: 'error'; type: string; message: string | null; cause: Spec | null; stack: string }
  | { t: 'ref'; n: number }
  | { t: 'poison'; kind: Poison }

const viewTypes = [
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
  'DataView',
]
const errorTypes = [
  'Error',
  'EvalError',
  'RangeError',
  'ReferenceError',
  'SyntaxError',
  'TypeError',
  'URIError',
  'AggregateError',
  'Subclass', // class extends Error, name left alone
  'Renamed', // class extends Error with name = 'RangeError'
]

const keyArb = fc.oneof(
  fc.constantFrom('a', 'b', 'c', 'd', '__proto__', 'constructor', 'toString', '0', '1', '7', '-1'),
  fc.string({ maxLength: 4 }),
)
const modeArb = fc.oneof(
  { weight: 30, arbitrary: fc.constant<Mode>('data') },
  { weight: 8, arbitrary: fc.constant<Mode>('getter') },
  { weight: 3, arbitrary: fc.constant<Mode>('hidden') },
  { weight: 3, arbitrary: fc.constant<Mode>('symbol') },
  { weight: 1, arbitrary: fc.constant<Mode>('throwing') },
)
const primArb = fc
  .oneof(
    fc.integer(),
    fc.double(),
    fc.constantFrom(-0, Number.NaN),
    fc.string({ maxLength: 6 }),
    fc.boolean(),
    fc.bigInt(),
    fc.constant(null),
    fc.constant(undefined),
  )
  .map((v): Spec => ({ t: 'prim', v }))
const leafArb: fc.Arbitrary<Spec> = fc.oneof(
  { weight: 10, arbitrary: primArb },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('date'), time: fc.double() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('regexp'),
      source: fc.constantFrom('a+', '[/]', '(?<n>x)|\\n', '^$', ''),
      flags: fc.subarray(['d', 'g', 'i', 'm', 's', 'u', 'y']).map((f) => f.join('')),
      lastIndex: fc.nat(5),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('boxed'),
      v: fc.oneof(
        fc.double(),
        fc.constantFrom(-0, Number.NaN),
        fc.string({ maxLength: 3 }),
        fc.boolean(),
        fc.bigInt(),
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('buffer'),
      bytes: fc.array(fc.nat(255), { maxLength: 24 }),
      max: fc.option(fc.integer({ min: 24, max: 40 })),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('view'),
      type: fc.constantFrom(...viewTypes),
      buffer: fc.option(fc.nat(3)),
      offset: fc.nat(24),
      length: fc.option(fc.nat(6)),
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('ref'), n: fc.nat(12) }) },
)

const { node: specArb } = fc.letrec<{ node: Spec; prop: Prop }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', maxDepth: 4, withCrossShrink: true },
    leafArb,
    fc.record({
      t: fc.constant('obj' as const),
      proto: fc.constantFrom('object', 'object', 'null', 'class', 'legacy'),
      props: fc.array(tie('prop'), { maxLength: 5 }),
    }),
    fc.record({
      t: fc.constant('arr' as const),
      length: fc.nat(6),
      items: fc.array(fc.tuple(fc.nat(6), modeArb, tie('node')), { maxLength: 6 }),
      extra: fc.array(tie('prop'), { maxLength: 2 }),
      sub: fc.boolean(),
    }),
    fc.record({
      t: fc.constant('map' as const),
      entries: fc.array(fc.tuple(tie('node'), tie('node')), { maxLength: 4 }),
    }),
    fc.record({ t: fc.constant('set' as const), values: fc.array(tie('node'), { maxLength: 4 }) }),
    fc.record({
      t: fc.constant('error' as const),
      type: fc.constantFrom(...errorTypes),
      message: fc.option(fc.string({ maxLength: 5 })),
      cause: fc.option(tie('node')),
      stack: fc.constantFrom('default', 'default', 'string', 'number', 'getter'),
    }),
  ),
  prop: fc.record({ key: keyArb, mode: modeArb, value: tie('node') }),
})) as { node: fc.Arbitrary<Spec> }

/** A spec with one poison in place of its n-th primitive (or as the root if it has none). */
const poisonedArb = fc
  .tuple(
    specArb,
    fc.constantFrom<Poison>(
      'function',
      'symbol',
      'weakmap',
      'promise',
      'proxy',
      'symbolObject',
      'marked',
      'hostPort',
      'sab',
      'sabView',
    ),
    fc.nat(),
  )
  .map(([spec, kind, at]) => withPoison(spec, kind, at))

function withPoison(spec: Spec, kind: Poison, at: number): Spec {
  const leaves: Spec[] = []
  const collect = (s: Spec): void => {
    if (s.t === 'prim') leaves.push(s)
    else if (s.t === 'obj') for (const p of s.props) collect(p.value)
    else if (s.t === 'arr') {
      for (const item of s.items) collect(item[2])
      for (const p of s.extra) collect(p.value)
    } else if (s.t === 'map')
      for (const [k, v] of s.entries) {
        collect(k)
        collect(v)
      }
    else if (s.t === 'set') for (const v of s.values) collect(v)
    else if (s.t === 'error' && s.cause) collect(s.cause)
  }
  const copy = structuredClone(spec)
  collect(copy)
  const target = leaves[at % Math.max(leaves.length, 1)]
  if (target === undefined) return { t: 'poison', kind }
  delete (target as { v?: unknown }).v
  Object.assign(target, { t: 'poison', kind })
  return copy
}

// ---------------------------------------------------------------------------------------------
// Building a value from its description.

class Item {
  method() {
    return 1
  }
}
/** Old-style class whose prototype has an enumerable property (never copied). */
const legacyPrototype = { inherited: 'from prototype' }
class Subclass extends Error {}
class Renamed extends Error {
  override name = 'RangeError'
}
class ListOf extends Array<unknown> {}
/** Stand-in for this package's MessagePort: its prototype carries kNotSerializable. */
class PortStandIn {
  static {
    Object.defineProperty(PortStandIn.prototype, kNotSerializable, { value: 'MessagePort' })
  }
  id = 1
}

interface Build {
  /** Getter ids in the order they ran. */
  log: string[]
  /** Objects built so far, for `ref` (filled before their children, so refs can make cycles). */
  containers: object[]
  buffers: ArrayBuffer[]
  ports: { close(): void }[]
  getters: number
  /** Build a function where the poison is (to see whether the host reaches that place). */
  poisonAsFunction: boolean
}

function newBuild(poisonAsFunction = false): Build {
  return { log: [], containers: [], buffers: [], ports: [], getters: 0, poisonAsFunction }
}

function build(spec: Spec, b: Build): unknown {
  switch (spec.t) {
    case 'prim':
      return spec.v
    case 'ref':
      return b.containers[spec.n % b.containers.length] ?? {}
    case 'poison':
      return b.poisonAsFunction ? () => 'poison' : buildPoison(spec.kind, b)
    case 'date':
      return new Date(spec.time)
    case 'regexp': {
      const r = new RegExp(spec.source, spec.flags)
      r.lastIndex = spec.lastIndex
      return r
    }
    case 'boxed':
      return Object(spec.v)
    case 'buffer': {
      const buffer =
        spec.max === null
          ? new ArrayBuffer(spec.bytes.length)
          : new ArrayBuffer(spec.bytes.length, { maxByteLength: spec.max })
      new Uint8Array(buffer).set(spec.bytes)
      b.buffers.push(buffer)
      return buffer
    }
    case 'view':
      return buildView(spec, b)
    case 'obj': {
      const o =
        spec.proto === 'object'
          ? {}
          : spec.proto === 'null'
            ? Object.create(null)
            : spec.proto === 'class'
              ? new Item()
              : Object.create(legacyPrototype)
      b.containers.push(o)
      for (const p of spec.props) define(o, p.key, p.mode, p.value, b)
      return o
    }
    case 'arr': {
      const a: unknown[] = spec.sub ? new ListOf() : []
      a.length = spec.length
      b.containers.push(a)
      for (const [index, mode, value] of spec.items)
        if (index < spec.length)
          define(a, String(index), mode === 'symbol' ? 'data' : mode, value, b)
      for (const p of spec.extra) define(a, `x${p.key}`, p.mode, p.value, b)
      return a
    }
    case 'map': {
      const m = new Map()
      b.containers.push(m)
      for (const [k, v] of spec.entries) m.set(build(k, b), build(v, b))
      return m
    }
    case 'set': {
      const s = new Set()
      b.containers.push(s)
      for (const v of spec.values) s.add(build(v, b))
      return s
    }
    case 'error':
      return buildError(spec, b)
  }
}

function define(target: object, key: string, mode: Mode, spec: Spec, b: Build): void {
  const value = build(spec, b)
  const id = `g${b.getters++}`
  const log = b.log
  const descriptor: PropertyDescriptor =
    mode === 'getter'
      ? {
          get: () => {
            log.push(id)
            return value
          },
          enumerable: true,
        }
      : mode === 'throwing'
        ? {
            get: () => {
              log.push(id)
              throw new RangeError(`getter ${id} failed`)
            },
            enumerable: true,
          }
        : { value, writable: true, enumerable: mode !== 'hidden' }
  Object.defineProperty(target, mode === 'symbol' ? Symbol(key) : key, {
    ...descriptor,
    configurable: true,
  })
}

function buildView(spec: Extract<Spec, { t: 'view' }>, b: Build): unknown {
  let buffer = spec.buffer === null ? undefined : b.buffers[spec.buffer % b.buffers.length]
  if (buffer === undefined) {
    buffer =
      spec.offset % 2 === 0 ? new ArrayBuffer(24) : new ArrayBuffer(16, { maxByteLength: 40 })
    b.buffers.push(buffer)
  }
  const Ctor = (globalThis as unknown as Record<string, new (...args: unknown[]) => object>)[
    spec.type
  ] as new (
    ...args: unknown[]
  ) => object
  const size =
    spec.type === 'DataView'
      ? 1
      : (Ctor as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT
  const offset = Math.floor(Math.min(spec.offset, buffer.byteLength) / size) * size
  const room = Math.floor((buffer.byteLength - offset) / size)
  // A length-tracking view needs the rest of the buffer to be a whole number of elements.
  const tracking =
    spec.length === null && buffer.resizable && (buffer.byteLength - offset) % size === 0
  return tracking
    ? new Ctor(buffer, offset)
    : new Ctor(buffer, offset, Math.min(spec.length ?? room, room))
}

function buildError(spec: Extract<Spec, { t: 'error' }>, b: Build): unknown {
  const Ctor =
    spec.type === 'Subclass'
      ? Subclass
      : spec.type === 'Renamed'
        ? Renamed
        : (globalThis as unknown as Record<string, ErrorConstructor>)[spec.type]
  const message = spec.message ?? undefined
  const error: Error =
    spec.type === 'AggregateError'
      ? new AggregateError([1], message)
      : new (Ctor as ErrorConstructor)(message)
  b.containers.push(error)
  if (spec.cause !== null) error.cause = build(spec.cause, b)
  if (spec.stack === 'string') error.stack = 'custom stack'
  else if (spec.stack === 'number')
    Object.defineProperty(error, 'stack', { value: 7, configurable: true })
  else if (spec.stack === 'getter') {
    const [id, log] = [`s${b.getters++}`, b.log]
    const get = () => {
      log.push(id)
      return id
    }
    Object.defineProperty(error, 'stack', { get, configurable: true })
  }
  return error
}

function buildPoison(kind: Poison, b: Build): unknown {
  switch (kind) {
    case 'function':
      return () => 'poison'
    case 'symbol':
      return Symbol('poison')
    case 'weakmap':
      return new WeakMap()
    case 'promise':
      return new Promise(() => {})
    case 'proxy':
      return new Proxy({ a: 1 }, {})
    case 'symbolObject':
      return Object(Symbol('poison'))
    case 'marked':
      return new PortStandIn()
    case 'hostPort': {
      const channel = new NodeMessageChannel()
      b.ports.push(channel.port1, channel.port2)
      return channel.port1
    }
    case 'sab':
      return new SharedArrayBuffer(8)
    case 'sabView':
      return new Int16Array(new SharedArrayBuffer(8), 2, 2)
  }
}

// ---------------------------------------------------------------------------------------------
// Comparing.

type Outcome =
  | { ok: true; value: unknown; log: string[] }
  | { ok: false; error: unknown; log: string[] }

function outcome(fn: () => unknown, log: string[]): Outcome {
  try {
    return { ok: true, value: fn(), log }
  } catch (error) {
    return { ok: false, error, log }
  }
}

/**
 * Walks `host` and `ours` in parallel. Identity must map one to one: an object met again on one
 * side must pair with the object met again on the other.
 */
function expectSameClone(host: unknown, ours: unknown): void {
  const pairs = new Map<unknown, unknown>()
  const reverse = new Map<unknown, unknown>()
  const walk = (a: unknown, b: unknown, path: string): void => {
    const fail = (what: string) => {
      throw new Error(`${what} at ${path}`)
    }
    if (typeof a !== typeof b) fail(`type ${typeof a} vs ${typeof b}`)
    if (typeof a !== 'object' || a === null || b === null) {
      if (!Object.is(a, b)) fail(`value ${String(a)} vs ${String(b)}`)
      return
    }
    const x = a as object
    const y = b as object
    if (pairs.has(x) || reverse.has(y)) {
      if (pairs.get(x) !== y || reverse.get(y) !== x) fail('identity (aliasing shape) differs')
      return
    }
    pairs.set(x, y)
    reverse.set(y, x)
    if (Object.getPrototypeOf(x) !== Object.getPrototypeOf(y)) fail('prototype differs')
    if (types.isDate(x) && !Object.is((x as Date).getTime(), (y as Date).getTime()))
      fail('date differs')
    if (types.isRegExp(x)) {
      const [r, s] = [x as RegExp, y as RegExp]
      if (r.source !== s.source || r.flags !== s.flags || r.lastIndex !== s.lastIndex)
        fail('regexp differs')
    }
    if (types.isBoxedPrimitive(x) && !Object.is(x.valueOf(), y.valueOf())) fail('boxed differs')
    if (types.isMap(x)) {
      const [p, q] = [[...(x as Map<unknown, unknown>)], [...(y as Map<unknown, unknown>)]]
      if (p.length !== q.length) fail('map size differs')
      for (let i = 0; i < p.length; i++) {
        walk(p[i]?.[0], q[i]?.[0], `${path}.keys()[${i}]`)
        walk(p[i]?.[1], q[i]?.[1], `${path}.values()[${i}]`)
      }
    }
    if (types.isSet(x)) {
      const [p, q] = [[...(x as Set<unknown>)], [...(y as Set<unknown>)]]
      if (p.length !== q.length) fail('set size differs')
      for (let i = 0; i < p.length; i++) walk(p[i], q[i], `${path}.values()[${i}]`)
    }
    if (types.isArrayBuffer(x)) {
      const [p, q] = [x as ArrayBuffer, y as ArrayBuffer]
      if (p.resizable !== q.resizable || p.maxByteLength !== q.maxByteLength) fail('buffer kind')
      if (p.byteLength !== q.byteLength) fail('buffer length differs')
      if (!new Uint8Array(p).every((byte, i) => byte === new Uint8Array(q)[i])) fail('bytes differ')
    }
    if (types.isArrayBufferView(x)) {
      const [p, q] = [x as ArrayBufferView, y as ArrayBufferView]
      if (p.byteOffset !== q.byteOffset || p.byteLength !== q.byteLength) fail('view range')
      walk(p.buffer, q.buffer, `${path}.buffer`)
    }
    const keys = Reflect.ownKeys(x)
    const otherKeys = Reflect.ownKeys(y)
    if (keys.join() !== otherKeys.join()) fail(`keys [${keys.join()}] vs [${otherKeys.join()}]`)
    for (const key of keys) {
      const d = Object.getOwnPropertyDescriptor(x, key) as PropertyDescriptor
      const e = Object.getOwnPropertyDescriptor(y, key) as PropertyDescriptor
      if (d.enumerable !== e.enumerable || d.writable !== e.writable) fail(`${String(key)} flags`)
      if (d.configurable !== e.configurable || 'get' in d !== 'get' in e)
        fail(`${String(key)} descriptor`)
      if ('value' in d && !types.isArrayBufferView(x))
        walk(d.value, e.value, `${path}[${JSON.stringify(String(key))}]`)
    }
  }
  walk(host, ours, 'root')
}

function isDataCloneError(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'DataCloneError' && error.code === 25
}

function expectSameOutcome(host: Outcome, ours: Outcome): void {
  expect(ours.log).toEqual(host.log)
  if (host.ok && ours.ok) {
    expectSameClone(host.value, ours.value)
    return
  }
  if (host.ok !== ours.ok) {
    const error = host.ok ? (ours as { error: unknown }).error : (host as { error: unknown }).error
    throw new Error(`only ${host.ok ? 'clone' : 'structuredClone'} threw: ${String(error)}`)
  }
  const [e, f] = [(host as { error: Error }).error, (ours as { error: Error }).error]
  expect(Object.getPrototypeOf(f)).toBe(Object.getPrototypeOf(e))
  expect(f.name).toBe(e.name)
  if (isDataCloneError(e)) expect(f.message).toMatch(/could not be cloned \(at message/)
  else if (e.message === 'Unable to deserialize cloned data.')
    expect(f.message).toMatch(/^Unable to deserialize cloned data/)
  else expect(f.message).toBe(e.message)
}

/** Builds the spec for each side at one call site, so default Error stacks read the same. */
function check(spec: Spec): void {
  const poison = findPoison(spec)
  const isRule = poison !== undefined && rulePoisons.includes(poison)
  const builds = [newBuild(), newBuild(), newBuild(true)]
  const values = builds.slice(0, isRule ? 3 : 2).map((b) => build(spec, b))
  try {
    const [hostBuild, ourBuild, probeBuild] = builds as [Build, Build, Build]
    const ours = outcome(() => clone(values[1]), ourBuild.log)
    if (isRule) {
      const probe = outcome(() => structuredClone(values[2]), probeBuild.log)
      if (!probe.ok && isDataCloneError(probe.error)) {
        expectRuleError(poison, ours)
        expect(ours.log).toEqual(probe.log)
        return
      }
    }
    expectSameOutcome(
      outcome(() => structuredClone(values[0]), hostBuild.log),
      ours,
    )
  } finally {
    for (const b of builds) for (const port of b.ports) port.close()
  }
}

function expectRuleError(poison: Poison, ours: Outcome): void {
  expect(ours.ok).toBe(false)
  const error = (ours as { error: Error }).error
  if (poison === 'sab' || poison === 'sabView') {
    expect(error).toBeInstanceOf(TypeError)
    expect(error.message).toBe('SharedArrayBuffer is unsupported with MessagePort')
  } else {
    expect(isDataCloneError(error)).toBe(true)
    expect(error.message).toBe(
      'Could not serialize object of type "MessagePort". This type does not support serialization.',
    )
  }
}

function findPoison(spec: Spec): Poison | undefined {
  return JSON.stringify(spec, (_, v) => (typeof v === 'bigint' ? 0 : v)).match(
    /"t":"poison","kind":"(\w+)"/,
  )?.[1] as Poison | undefined
}

// ---------------------------------------------------------------------------------------------

describe('clone matches structuredClone (property-based)', () => {
  it('on generated values with cycles, shared references, getters and every type', () => {
    fc.assert(
      fc.property(specArb, (spec) => check(spec)),
      { numRuns: 6000 },
    )
  })

  it('on generated values that must throw, and throws exactly when the host does', () => {
    fc.assert(
      fc.property(poisonedArb, (spec) => check(spec)),
      { numRuns: 4000 },
    )
  })

  it('on sparse arrays with extra properties', () => {
    fc.assert(
      fc.property(
        fc.sparseArray(fc.oneof(fc.integer(), fc.string(), fc.constant(undefined)), {
          maxLength: 40,
        }),
        fc.dictionary(
          // Named keys only: not array indices, not `length`.
          fc.string().filter((k) => k !== 'length' && !/^(0|[1-9]\d*)$/.test(k)),
          fc.integer(),
          { maxKeys: 3 },
        ),
        (array, extra) => {
          const source = Object.assign(array, extra)
          expectSameClone(structuredClone(source), clone(source))
        },
      ),
      { numRuns: 1000 },
    )
  })

  it('the comparator tells different aliasing shapes apart', () => {
    const shared = {}
    expect(() => expectSameClone([shared, shared], [{}, {}])).toThrow(/identity/)
    expect(() => expectSameClone([{}, {}], [shared, shared])).toThrow(/identity/)
    // biome-ignore lint/suspicious/noSparseArray: a hole against undefined must differ
    expect(() => expectSameClone([, 1], [undefined, 1])).toThrow(/keys/)
    expect(() => expectSameClone(new Error('a'), new TypeError('a'))).toThrow(/prototype/)
    expect(() => expectSameClone({ a: -0 }, { a: 0 })).toThrow(/value/)
  })
})
