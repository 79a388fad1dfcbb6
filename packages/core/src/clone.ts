/**
 * The structured clone that `postMessage` runs on every message.
 *
 * `clone(value)` returns what the host's `structuredClone(value)` returns and throws when it
 * throws, with the same error class and name. On top of that it applies two rules of
 * `postMessage` in Cloudflare Workers: ports and channels (ours, marked with `kNotSerializable`,
 * and the host's) are refused, and a `SharedArrayBuffer` anywhere is a `TypeError`.
 *
 * It walks the value itself instead of calling `structuredClone`, because this is the hot path of
 * every message: primitives come back untouched, plain objects and arrays are copied in one pass,
 * and the identity memo (needed for cycles and shared references) lives in reused module arrays
 * until a message holds more than a few objects. Objects it has no rule for (Blob, File, platform
 * objects, WebAssembly modules, Promise, WeakMap, ...) are handed to the host's `structuredClone`
 * one at a time, which clones or rejects them exactly as the host does.
 *
 * The rules follow V8's serializer as shipped in Node 20 (V8 11.3):
 * - own enumerable string keys are read in key order, each at the moment it is reached, so
 *   getters run in the host's order; a key deleted by an earlier getter is skipped;
 * - arrays keep their holes and extra named properties, and the length they had at the start;
 * - Map and Set entries are read before any of them is cloned;
 * - an Error is rebuilt from `name` (which picks one of the seven standard prototypes), the own
 *   `message` and `cause` data properties and `stack`; the order in which `cause` and `stack` are
 *   read, and whether an Error inside its own `cause` breaks the clone, are learnt from the host;
 * - typed arrays and DataViews carry their whole buffer, shared between views of one buffer.
 *
 * Known limits, where the host can see what JavaScript cannot:
 * - Proxies are refused only where the host can tell them apart: `util.types.isProxy`, reached
 *   through `process.getBuiltinModule('node:util')` (Node >= 20.16, Deno >= 2.1, Bun, workerd
 *   with Node compatibility). Browsers offer no way; there a Proxy is read through its traps
 *   like the object it stands for, where the host would refuse it.
 * - A built-in object whose prototype is Object.prototype or null without being an ordinary
 *   object (`Object.setPrototypeOf(new Map(), null)`, or `Number.prototype` itself, a Number
 *   object) is cloned as a plain object; the host clones it by its internal type. Arguments and
 *   module namespace objects are recognised and refused as the host does.
 * - An object handed to the host is cloned entirely by the host: references from inside it to the
 *   rest of the message are not shared, and the two rules above do not apply inside it.
 * - If array elements are getters that add named properties to their own array, the host may or
 *   may not include those properties (it depends on V8's internal element kind); this walk
 *   never does.
 * - Very deep values: the host runs out of stack (RangeError) sooner than this walk (Node 20:
 *   about 1,900 nested objects or 3,200 nested arrays), so values between the two depths clone
 *   here where the host throws.
 * - Keys are copied by assignment, which is fast. If `Object.prototype` is frozen when this module
 *   loads (a hardened-JavaScript lockdown), every key is defined instead, so `constructor` or
 *   `toString` keys still copy; a lockdown after loading, or a setter added to
 *   `Object.prototype`, is not noticed.
 */

/**
 * Marks a prototype whose instances `postMessage` must refuse. The value is the type name used
 * in the error: `Could not serialize object of type "<name>". This type does not support
 * serialization.` This package's `MessagePort` and `MessageChannel` prototypes carry it.
 *
 * It is read only from objects whose prototype is neither `Object.prototype` nor `null` (plain
 * objects take a fast path), so it belongs on a prototype.
 */
export const kNotSerializable: unique symbol = Symbol('entangle.notSerializable')

// ---------------------------------------------------------------------------------------------
// Intrinsics, captured at load so that code which patches prototypes later cannot change the walk.

type Getter = (self: unknown) => unknown

const callFn = Function.prototype.call
/** Turns a method into a plain function taking `this` as its first argument. */
function uncurry<F extends (...args: never[]) => unknown>(
  fn: F,
): (self: unknown, ...args: Parameters<F>) => ReturnType<F> {
  return callFn.bind(fn) as never
}
function getterOf(proto: object | undefined, key: PropertyKey): Getter | undefined {
  const get = proto === undefined ? undefined : Object.getOwnPropertyDescriptor(proto, key)?.get
  return get === undefined ? undefined : uncurry(get)
}
function mustGetter(proto: object, key: PropertyKey): Getter {
  const get = getterOf(proto, key)
  if (get === undefined) throw new Error(`clone: the host lacks ${String(key)}`)
  return get
}

const {
  defineProperty,
  getOwnPropertyDescriptor,
  getOwnPropertySymbols,
  getPrototypeOf,
  keys: objectKeys,
} = Object
const isArray = Array.isArray
const ObjectPrototype = Object.prototype
/** Assigning a key that Object.prototype holds read-only throws; define every key if so. */
const defineEveryKey = !Object.isExtensible(ObjectPrototype)
/** Uncurried `hasOwnProperty`: V8 turns it into a map check inside for...in (Object.hasOwn it
 * does not, in Node 20). */
const hasOwn = uncurry(ObjectPrototype.hasOwnProperty) as (
  self: object,
  key: PropertyKey,
) => boolean
const functionToString = uncurry(Function.prototype.toString)
const objectToString = uncurry(ObjectPrototype.toString)

const hostStructuredClone = globalThis.structuredClone
const HostDOMException = globalThis.DOMException
const HostMessagePort = (globalThis as { MessagePort?: { prototype: object } }).MessagePort
const HostMessageChannel = (globalThis as { MessageChannel?: { prototype: object } }).MessageChannel

interface HostTypes {
  isProxy(value: unknown): boolean
  isNativeError?(value: unknown): boolean
  isArgumentsObject?(value: unknown): boolean
  isModuleNamespaceObject?(value: unknown): boolean
}
/** Node's `util.types` (also in Bun, Deno, and workerd with Node compatibility), if reachable. */
function findHostTypes(): HostTypes | undefined {
  try {
    const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } })
      .process
    const util = proc?.getBuiltinModule?.('node:util') as { types?: HostTypes } | undefined
    return typeof util?.types?.isProxy === 'function' ? util.types : undefined
  } catch {
    return undefined
  }
}
const hostTypes = findHostTypes()
const isProxy = hostTypes?.isProxy

const dateGetTime = uncurry(Date.prototype.getTime)
const mapForEach = uncurry(Map.prototype.forEach)
const mapSet = uncurry(Map.prototype.set)
const mapSize = mustGetter(Map.prototype, 'size')
const setForEach = uncurry(Set.prototype.forEach)
const setAdd = uncurry(Set.prototype.add)
const setSize = mustGetter(Set.prototype, 'size')
const regExpSource = mustGetter(RegExp.prototype, 'source')
/** Flag getters in the order `RegExp.prototype.flags` lists them, skipping any the host lacks. */
const regExpFlags: [string, Getter][] = (
  [
    ['d', 'hasIndices'],
    ['g', 'global'],
    ['i', 'ignoreCase'],
    ['m', 'multiline'],
    ['s', 'dotAll'],
    ['u', 'unicode'],
    ['v', 'unicodeSets'],
    ['y', 'sticky'],
  ] as const
).flatMap(([flag, key]) => {
  const get = getterOf(RegExp.prototype, key)
  return get === undefined ? [] : [[flag, get] as [string, Getter]]
})

const ResizableArrayBuffer = ArrayBuffer as unknown as new (
  byteLength: number,
  options: { maxByteLength: number },
) => ArrayBuffer
const arrayBufferByteLength = mustGetter(ArrayBuffer.prototype, 'byteLength')
const arrayBufferResizable = getterOf(ArrayBuffer.prototype, 'resizable')
const arrayBufferMaxByteLength = getterOf(ArrayBuffer.prototype, 'maxByteLength')
const arrayBufferResize = (ArrayBuffer.prototype as { resize?: (n: number) => void }).resize
const arrayBufferResizeFn = arrayBufferResize === undefined ? undefined : uncurry(arrayBufferResize)
const SharedArrayBufferPrototype = globalThis.SharedArrayBuffer?.prototype as object | undefined
const sharedArrayBufferByteLength = getterOf(SharedArrayBufferPrototype, 'byteLength')

const TypedArrayPrototype = getPrototypeOf(Uint8Array.prototype) as object
const typedArrayTag = mustGetter(TypedArrayPrototype, Symbol.toStringTag) as (
  self: unknown,
) => string | undefined
const typedArrayBuffer = mustGetter(TypedArrayPrototype, 'buffer')
const typedArrayByteOffset = mustGetter(TypedArrayPrototype, 'byteOffset') as (s: unknown) => number
const typedArrayByteLength = mustGetter(TypedArrayPrototype, 'byteLength') as (s: unknown) => number
const typedArrayLength = mustGetter(TypedArrayPrototype, 'length') as (s: unknown) => number
const typedArrayEntries = uncurry((TypedArrayPrototype as Uint8Array).entries)
const dataViewBuffer = mustGetter(DataView.prototype, 'buffer')
const dataViewByteOffset = mustGetter(DataView.prototype, 'byteOffset') as (s: unknown) => number
const dataViewByteLength = mustGetter(DataView.prototype, 'byteLength') as (s: unknown) => number

type TypedArrayConstructor = new (
  buffer: ArrayBuffer,
  byteOffset?: number,
  length?: number,
) => ArrayBufferView
/** Every typed array constructor the host has, by its `Symbol.toStringTag` name. */
const typedArrayConstructors = new Map<string, TypedArrayConstructor>()
for (const name of [
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float16Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
]) {
  const ctor = (globalThis as unknown as Record<string, TypedArrayConstructor | undefined>)[name]
  if (ctor !== undefined) typedArrayConstructors.set(name, ctor)
}

const numberValueOf = uncurry(Number.prototype.valueOf)
const stringValueOf = uncurry(String.prototype.valueOf)
const booleanValueOf = uncurry(Boolean.prototype.valueOf)
const bigintValueOf = uncurry(BigInt.prototype.valueOf)
const symbolValueOf = uncurry(Symbol.prototype.valueOf)

/** The constructors V8 can restore an Error to; any other name restores as `Error`. */
const errorConstructors = new Map<string, ErrorConstructor>([
  ['EvalError', EvalError],
  ['RangeError', RangeError],
  ['ReferenceError', ReferenceError],
  ['SyntaxError', SyntaxError],
  ['TypeError', TypeError],
  ['URIError', URIError],
])
const isErrorBrand: (value: object) => boolean =
  hostTypes?.isNativeError ??
  (Error as { isError?: (value: unknown) => boolean }).isError ??
  ((value) => objectToString(value) === '[object Error]')

// ---------------------------------------------------------------------------------------------
// What each prototype means. Objects whose prototype is Object.prototype or null never get here.

const PLAIN = 0 // walk own enumerable string keys (class instances, fake built-ins)
const DATE = 1
const REGEXP = 2
const MAP = 3
const SET = 4
const ARRAY_BUFFER = 5
const SHARED_ARRAY_BUFFER = 6
const TYPED_ARRAY = 7
const DATA_VIEW = 8
const ERROR = 9
const BOXED = 10 // Number, String, Boolean, BigInt or Symbol wrapper
const HOST = 11 // let the host's structuredClone decide
const HOST_PORT = 12 // the host's MessagePort
const HOST_CHANNEL = 13 // the host's MessageChannel

/** Kind of each prototype met so far; seeded with the built-ins. */
const protoKinds = new WeakMap<object, number>()
function seed(proto: object | undefined, kind: number): void {
  if (proto !== undefined) protoKinds.set(proto, kind)
}
seed(Array.prototype, PLAIN) // a real array never gets here; an object inheriting from it does
seed(Date.prototype, DATE)
seed(RegExp.prototype, REGEXP)
seed(Map.prototype, MAP)
seed(Set.prototype, SET)
seed(ArrayBuffer.prototype, ARRAY_BUFFER)
seed(SharedArrayBufferPrototype, SHARED_ARRAY_BUFFER)
seed(TypedArrayPrototype, TYPED_ARRAY)
seed(DataView.prototype, DATA_VIEW)
for (const ctor of [Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError])
  seed(ctor.prototype, ERROR)
seed((globalThis as { AggregateError?: { prototype: object } }).AggregateError?.prototype, ERROR)
for (const ctor of [Number, String, Boolean, BigInt, Symbol]) seed(ctor.prototype, BOXED)
// Built-ins V8 refuses or clones by internal type; the host settles real and fake instances alike.
for (const proto of [
  Function.prototype,
  Promise.prototype,
  WeakMap.prototype,
  WeakSet.prototype,
  (globalThis as { WeakRef?: { prototype: object } }).WeakRef?.prototype,
  (globalThis as { FinalizationRegistry?: { prototype: object } }).FinalizationRegistry?.prototype,
  getPrototypeOf(function* () {}.prototype),
  getPrototypeOf(async function* () {}.prototype),
  getPrototypeOf([][Symbol.iterator]()),
  getPrototypeOf(new Map()[Symbol.iterator]()),
  getPrototypeOf(new Set()[Symbol.iterator]()),
  getPrototypeOf(''[Symbol.iterator]()),
  getPrototypeOf(/a/[Symbol.matchAll]('')),
])
  seed(proto as object | undefined, HOST)
seed(HostMessagePort?.prototype, HOST_PORT)
seed(HostMessageChannel?.prototype, HOST_CHANNEL)

/** Constructors whose instances this walk handles itself (a native one elsewhere means HOST). */
const knownConstructors = new Set<unknown>([
  Object,
  Array,
  Date,
  RegExp,
  Map,
  Set,
  ArrayBuffer,
  globalThis.SharedArrayBuffer,
  DataView,
  Error,
  Number,
  String,
  Boolean,
  BigInt,
  Symbol,
  ...typedArrayConstructors.values(),
])

function kindOfPrototype(proto: object): number {
  let kind = protoKinds.get(proto)
  if (kind === undefined) {
    kind = classifyPrototype(proto)
    protoKinds.set(proto, kind)
  }
  return kind
}

/**
 * Walks a prototype chain to the first prototype with a known kind. A prototype that belongs to
 * a platform class (native constructor) or a Node transferable class means HOST; a chain of user
 * classes means PLAIN, which is how V8 clones class instances.
 */
function classifyPrototype(proto: object): number {
  let p: object | null = proto
  while (p !== null && p !== ObjectPrototype) {
    if (isProxy?.(p)) return PLAIN // V8 never looks at prototypes; do not run the Proxy's traps
    const known = protoKinds.get(p)
    if (known !== undefined) return known
    if (isHostPrototype(p)) return HOST
    p = getPrototypeOf(p) as object | null
  }
  return PLAIN
}

function isHostPrototype(proto: object): boolean {
  const ctor = getOwnPropertyDescriptor(proto, 'constructor')?.value
  if (
    typeof ctor === 'function' &&
    !knownConstructors.has(ctor) &&
    functionToString(ctor).endsWith('{ [native code] }')
  )
    return true
  // Node's cloneable classes (Blob, X509Certificate, ...) carry a method under this symbol.
  for (const symbol of getOwnPropertySymbols(proto)) {
    const name = symbol.description
    if (name === 'messaging_clone_symbol' || name === 'messaging_transfer_symbol') return true
  }
  return false
}

// ---------------------------------------------------------------------------------------------
// Per-call state, kept in module variables so the walk allocates nothing for it. `clone` saves and
// restores all of it, so a getter that posts a message (a nested clone) starts a fresh frame.

/** Identity memo: source/clone pairs from `memoBase` to `memoTop`, or `memoMap` once it grows. */
const memoSources: (object | undefined)[] = []
const memoClones: (object | undefined)[] = []
let memoBase = 0
let memoTop = 0
let memoMap: Map<object, object> | undefined
/** Linear search beats a Map for the few objects of a typical message. */
const LINEAR_MEMO_LIMIT = 12

/** Keys from the root to the value being cloned, from `pathBase` to `depth` (for messages). */
const pathKeys: unknown[] = []
let pathBase = 0
let depth = 0

/** Errors whose `cause` is being cloned (on hosts where a cause may not refer back to them). */
const openErrors: (object | undefined)[] = []
let openErrorsBase = 0
let openErrorsTop = 0
/** Path of a `cause` that refers back to its Error; the clone fails once the walk is done. */
let brokenCausePath: string | undefined

function memoGet(source: object): object | undefined {
  if (memoMap !== undefined) return memoMap.get(source)
  for (let i = memoBase; i < memoTop; i++) if (memoSources[i] === source) return memoClones[i]
  return undefined
}

function memoSet(source: object, copy: object): void {
  if (memoMap !== undefined) {
    memoMap.set(source, copy)
  } else if (memoTop - memoBase < LINEAR_MEMO_LIMIT) {
    memoSources[memoTop] = source
    memoClones[memoTop++] = copy
  } else {
    memoMap = new Map()
    for (let i = memoBase; i < memoTop; i++)
      memoMap.set(memoSources[i] as object, memoClones[i] as object)
    memoMap.set(source, copy)
  }
}

// ---------------------------------------------------------------------------------------------
// Entry point.

/**
 * Clones `value` as `postMessage` does: the result equals what the host's `structuredClone`
 * returns (class instances arrive as plain objects; cycles, shared references, holes, `-0`,
 * Errors with their `cause` and every typed array survive), getters run once, in the host's order,
 * and their exceptions propagate unchanged.
 *
 * @throws `DOMException` named `DataCloneError` (code 25) for anything the host cannot clone
 *   (functions, symbols, WeakMap, Promise, Proxy, ...); the message names the kind of value and
 *   where it was found, e.g. `function could not be cloned (at message.handlers[2])`.
 * @throws `DOMException` named `DataCloneError` with the message
 *   `Could not serialize object of type "MessagePort". This type does not support serialization.`
 *   for a port or channel (this package's, or the host's) anywhere in the value.
 * @throws `TypeError` `SharedArrayBuffer is unsupported with MessagePort` for a
 *   `SharedArrayBuffer` anywhere in the value, also under a typed array.
 */
export function clone(value: unknown): unknown {
  if (typeof value !== 'object') {
    if (typeof value === 'function' || typeof value === 'symbol') return failOnRoot(value)
    return value
  }
  if (value === null) return value
  const savedMemoBase = memoBase
  const savedMemoMap = memoMap
  const savedPathBase = pathBase
  const savedDepth = depth
  const savedOpenErrorsBase = openErrorsBase
  const savedBrokenCausePath = brokenCausePath
  memoBase = memoTop
  memoMap = undefined
  pathBase = depth
  openErrorsBase = openErrorsTop
  brokenCausePath = undefined
  try {
    const copy = cloneObject(value)
    if (brokenCausePath !== undefined) throw brokenCauseError(brokenCausePath)
    return copy
  } finally {
    for (let i = memoBase; i < memoTop; i++) {
      memoSources[i] = undefined
      memoClones[i] = undefined
    }
    memoTop = memoBase
    memoBase = savedMemoBase
    memoMap = savedMemoMap
    depth = savedDepth
    pathBase = savedPathBase
    if (openErrorsTop !== openErrorsBase) openErrors.length = openErrorsTop = openErrorsBase
    openErrorsBase = savedOpenErrorsBase
    brokenCausePath = savedBrokenCausePath
  }
}

function failOnRoot(value: unknown): never {
  throw dataCloneError(`${typeof value} could not be cloned (at message)`)
}

/** Clones a value met under `key` of the object being walked. */
function cloneChild(value: unknown, key: unknown): unknown {
  if (typeof value === 'object') {
    if (value === null) return null
    pathKeys[depth++] = key
    const copy = cloneObject(value)
    depth--
    return copy
  }
  if (typeof value === 'function' || typeof value === 'symbol') {
    pathKeys[depth++] = key
    throw cannotClone(typeof value)
  }
  return value
}

function cloneObject(source: object): object {
  const seen = memoGet(source)
  if (seen !== undefined) {
    if (openErrorsTop !== openErrorsBase) checkCauseLoop(source)
    return seen
  }
  if (isProxy?.(source)) throw cannotClone('Proxy')
  if (isArray(source)) return cloneArray(source)
  const proto = getPrototypeOf(source) as object | null
  if (proto === ObjectPrototype) {
    // Arguments objects also inherit straight from Object.prototype; V8 refuses them.
    if ('callee' in source && isArguments(source)) throw cannotClone('arguments object')
    return clonePlain(source)
  }
  if (proto === null) {
    if (Symbol.toStringTag in source && isModuleNamespace(source))
      throw cannotClone('module namespace object')
    return clonePlain(source)
  }
  return cloneSpecial(source, proto)
}

/** Copies the own enumerable string-keyed properties of an object that inherits from nothing
 * but Object.prototype (for...in is V8's fastest way to read them). */
function clonePlain(source: object): object {
  const copy: Record<string, unknown> = {}
  memoSet(source, copy)
  const from = source as Record<string, unknown>
  for (const key in from) {
    // for...in skips keys an earlier getter deleted; hasOwn skips inherited enumerable ones.
    if (!hasOwn(from, key)) continue
    let value = from[key]
    if (typeof value === 'object' || typeof value === 'function' || typeof value === 'symbol')
      value = cloneChild(value, key)
    if (defineEveryKey || key === '__proto__') defineData(copy, key, value)
    else copy[key] = value
  }
  return copy
}

/** Same as clonePlain for a class instance: its prototype may hold enumerable keys (or be a
 * Proxy), so the own keys are listed up front. */
function cloneOwnKeys(source: object): object {
  const copy: Record<string, unknown> = {}
  memoSet(source, copy)
  const from = source as Record<string, unknown>
  const keys = objectKeys(from)
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string
    if (!hasOwn(from, key)) continue
    let value = from[key]
    if (typeof value === 'object' || typeof value === 'function' || typeof value === 'symbol')
      value = cloneChild(value, key)
    if (defineEveryKey || key === '__proto__') defineData(copy, key, value)
    else copy[key] = value
  }
  return copy
}

function defineData(target: object, key: PropertyKey, value: unknown): void {
  defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true })
}

function cloneArray(source: unknown[]): unknown[] {
  const length = source.length
  const keys = objectKeys(source)
  if (keys.length === length && (length === 0 || keys[length - 1] === `${length - 1}`)) {
    // Every index is an own enumerable element and there is nothing else: copy in index order.
    // Preallocating is twice as fast; past some size V8 would make it a dictionary instead.
    const copy: unknown[] = length <= 4096 ? new Array(length) : []
    memoSet(source, copy)
    for (let i = 0; i < length; i++) {
      let value = source[i]
      // An element deleted by an earlier getter stays a hole.
      if (value === undefined && !hasOwn(source, i)) continue
      if (typeof value === 'object' || typeof value === 'function' || typeof value === 'symbol')
        value = cloneChild(value, i)
      copy[i] = value
    }
    if (copy.length !== length) copy.length = length
    return copy
  }
  // Holes, non-enumerable or accessor elements, or named properties: follow the key list,
  // elements first (in index order) and named properties after, as V8 does.
  const copy: unknown[] = []
  memoSet(source, copy)
  copy.length = length
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k] as string
    if (!hasOwn(source, key)) continue
    const index = arrayIndexOf(key)
    let value = (source as unknown as Record<string, unknown>)[key]
    if (typeof value === 'object' || typeof value === 'function' || typeof value === 'symbol')
      value = cloneChild(value, index === -1 ? key : index)
    if (index === -1) defineData(copy, key, value)
    else copy[index] = value
  }
  return copy
}

/** The array index a property key names, or -1 for any other key. */
function arrayIndexOf(key: string): number {
  const code = key.charCodeAt(0)
  if (code < 48 || code > 57) return -1
  const index = Number(key)
  return index < 4294967295 && `${index}` === key ? index : -1
}

function cloneSpecial(source: object, proto: object): object {
  const marked = (source as { [kNotSerializable]?: unknown })[kNotSerializable]
  if (typeof marked === 'string') throw notSerializable(marked)
  switch (kindOfPrototype(proto)) {
    case PLAIN:
      if (source === globalThis) throw cannotClone('global object')
      return cloneOwnKeys(source)
    case DATE:
      return cloneDate(source)
    case REGEXP:
      return cloneRegExp(source)
    case MAP:
      return cloneMap(source)
    case SET:
      return cloneSet(source)
    case ARRAY_BUFFER:
    case SHARED_ARRAY_BUFFER:
      return isBufferLike(source) ? cloneBuffer(source) : cloneOwnKeys(source)
    case TYPED_ARRAY:
      return typedArrayTag(source) === undefined ? cloneOwnKeys(source) : cloneView(source, false)
    case DATA_VIEW:
      return isDataView(source) ? cloneView(source, true) : cloneOwnKeys(source)
    case ERROR:
      return isErrorBrand(source) ? cloneError(source) : cloneOwnKeys(source)
    case BOXED:
      return cloneBoxed(source)
    case HOST_PORT:
      throw notSerializable('MessagePort')
    case HOST_CHANNEL:
      throw notSerializable('MessageChannel')
    default:
      return cloneWithHost(source)
  }
}

// ---------------------------------------------------------------------------------------------
// Built-in types. A brand check that fails means a plain object that merely inherits from the
// built-in's prototype, which V8 clones like any other object.

function cloneDate(source: object): object {
  let time: number
  try {
    time = dateGetTime(source)
  } catch {
    return cloneOwnKeys(source)
  }
  const copy = new Date(time)
  memoSet(source, copy)
  return copy
}

function cloneRegExp(source: object): object {
  let pattern: string
  try {
    pattern = regExpSource(source) as string
  } catch {
    return cloneOwnKeys(source)
  }
  let flags = ''
  for (const [flag, get] of regExpFlags) if (get(source)) flags += flag
  const copy = new RegExp(pattern, flags)
  memoSet(source, copy)
  return copy
}

/** The list a Map/Set snapshot is being pushed into (forEach on the intrinsic runs no user code);
 * cleared right after, so nothing of a message stays referenced. */
let snapshot: unknown[] | undefined
function pushMapEntry(value: unknown, key: unknown): void {
  snapshot?.push(key, value)
}
function pushSetValue(value: unknown): void {
  snapshot?.push(value)
}

/** Where a value sits inside a Map or Set, for error messages; one per Map/Set, updated. It
 * keeps a primitive entry key (to print `.get(key)`), never an object one. */
interface EntrySegment {
  kind: 'key' | 'value' | 'element'
  index: number
  key: string | number | boolean | undefined
}

function cloneMap(source: object): object {
  try {
    mapSize(source)
  } catch {
    return cloneOwnKeys(source)
  }
  const copy = new Map()
  memoSet(source, copy)
  const entries: unknown[] = []
  snapshot = entries
  mapForEach(source, pushMapEntry)
  snapshot = undefined
  const segment: EntrySegment = { kind: 'key', index: 0, key: undefined }
  for (let i = 0; i < entries.length; i += 2) {
    segment.index = i / 2
    const key = entries[i]
    segment.kind = 'key'
    const keyCopy = cloneChild(key, segment)
    segment.kind = 'value'
    segment.key =
      typeof key === 'string' || typeof key === 'number' || typeof key === 'boolean'
        ? key
        : undefined
    mapSet(copy, keyCopy, cloneChild(entries[i + 1], segment))
  }
  return copy
}

function cloneSet(source: object): object {
  try {
    setSize(source)
  } catch {
    return cloneOwnKeys(source)
  }
  const copy = new Set()
  memoSet(source, copy)
  const values: unknown[] = []
  snapshot = values
  setForEach(source, pushSetValue)
  snapshot = undefined
  const segment: EntrySegment = { kind: 'element', index: 0, key: undefined }
  for (let i = 0; i < values.length; i++) {
    segment.index = i
    setAdd(copy, cloneChild(values[i], segment))
  }
  return copy
}

function cloneBoxed(source: object): object {
  const primitive = unbox(source)
  if (primitive === notBoxed) return cloneOwnKeys(source)
  if (typeof primitive === 'symbol') throw cannotClone('Symbol object')
  const copy = Object(primitive) as object
  memoSet(source, copy)
  return copy
}

const notBoxed = Symbol('not boxed')
const unboxers = [numberValueOf, stringValueOf, booleanValueOf, bigintValueOf, symbolValueOf]
/** The primitive inside a Number, String, Boolean, BigInt or Symbol object, or `notBoxed`. */
function unbox(source: object): unknown {
  for (const unboxer of unboxers)
    try {
      return unboxer(source)
    } catch {}
  return notBoxed
}

// ---------------------------------------------------------------------------------------------
// Buffers and views.

function isBufferLike(source: object): boolean {
  try {
    arrayBufferByteLength(source)
    return true
  } catch {}
  try {
    sharedArrayBufferByteLength?.(source)
    return sharedArrayBufferByteLength !== undefined
  } catch {
    return false
  }
}

function isDataView(source: object): boolean {
  try {
    dataViewBuffer(source)
    return true
  } catch {
    return false
  }
}

/** Clones an ArrayBuffer (resizable ones stay resizable); refuses shared and detached ones. */
function cloneBuffer(source: object): ArrayBuffer {
  const seen = memoGet(source)
  if (seen !== undefined) return seen as ArrayBuffer
  let byteLength: number
  try {
    byteLength = arrayBufferByteLength(source) as number
  } catch {
    throw new TypeError('SharedArrayBuffer is unsupported with MessagePort')
  }
  if (byteLength === 0 && isDetached(source)) throw cannotClone('detached ArrayBuffer')
  if (byteLength > 0xffffffff) throw cannotClone('ArrayBuffer larger than 4 GiB')
  const resizable = arrayBufferResizable?.(source) === true
  const copy = resizable
    ? new ResizableArrayBuffer(byteLength, {
        maxByteLength: arrayBufferMaxByteLength?.(source) as number,
      })
    : new ArrayBuffer(byteLength)
  if (byteLength > 0) new Uint8Array(copy).set(new Uint8Array(source as ArrayBuffer))
  memoSet(source, copy)
  return copy
}

function isDetached(buffer: object): boolean {
  try {
    new Uint8Array(buffer as ArrayBuffer)
    return false
  } catch {
    return true
  }
}

/** Clones a typed array or DataView onto the clone of its whole buffer, as V8 does. */
function cloneView(source: object, dataView: boolean): object {
  const buffer = (dataView ? dataViewBuffer(source) : typedArrayBuffer(source)) as object
  const bufferCopy = cloneBuffer(buffer)
  const resizable = arrayBufferResizable?.(buffer) === true
  if (resizable && isOutOfBounds(source, dataView))
    throw cannotClone(`out-of-bounds ${dataView ? 'DataView' : typedArrayTag(source)}`)
  const byteOffset = dataView ? dataViewByteOffset(source) : typedArrayByteOffset(source)
  const tracking = resizable && isLengthTracking(source, dataView)
  let copy: object
  if (dataView) {
    copy = tracking
      ? new DataView(bufferCopy, byteOffset)
      : new DataView(bufferCopy, byteOffset, dataViewByteLength(source))
  } else {
    const Ctor = typedArrayConstructors.get(
      typedArrayTag(source) as string,
    ) as TypedArrayConstructor
    copy = tracking
      ? new Ctor(bufferCopy, byteOffset)
      : new Ctor(bufferCopy, byteOffset, typedArrayLength(source))
  }
  memoSet(source, copy)
  return copy
}

function isOutOfBounds(view: object, dataView: boolean): boolean {
  try {
    if (dataView) dataViewByteLength(view)
    else typedArrayEntries(view)
    return false
  } catch {
    return true
  }
}

/**
 * Whether a view on a resizable buffer follows the buffer's length. JavaScript cannot ask, so
 * this resizes a throwaway host clone of the view (never the caller's buffer) and watches it.
 */
function isLengthTracking(view: object, dataView: boolean): boolean {
  const byteLengthOf = dataView ? dataViewByteLength : typedArrayByteLength
  const probe = hostStructuredClone(view) as object
  const buffer = (dataView ? dataViewBuffer(probe) : typedArrayBuffer(probe)) as object
  const before = byteLengthOf(probe)
  const resize = arrayBufferResizeFn as (self: unknown, n: number) => void
  resize(buffer, arrayBufferMaxByteLength?.(buffer) as number)
  if (byteLengthOf(probe) !== before) return true
  if (before === 0) return false // a tracking view that stays empty behaves as a fixed one
  const offset = dataView ? dataViewByteOffset(probe) : typedArrayByteOffset(probe)
  resize(buffer, offset)
  return !isOutOfBounds(probe, dataView)
}

// ---------------------------------------------------------------------------------------------
// Errors.

/** How the host clones Errors, learnt on the first Error (see `probeHostErrors`). */
let hostErrors: { causeKept: boolean; stackFirst: boolean; causeLoopBreaks: boolean } | undefined

/**
 * Asks the host once: does it keep `cause`, does it read `stack` before or after cloning the
 * cause (Node 20: after), and does an Error inside its own cause fail to deserialize (Node 20:
 * yes, "Unable to deserialize cloned data.").
 */
function probeHostErrors(): NonNullable<typeof hostErrors> {
  const reads: string[] = []
  const error = new Error('probe')
  defineProperty(error, 'stack', {
    get: () => reads.push('stack') && '',
    configurable: true,
  })
  const cause = {}
  defineProperty(cause, 'probe', { get: () => reads.push('cause'), enumerable: true })
  defineProperty(error, 'cause', { value: cause, writable: true, configurable: true })
  const copy = hostStructuredClone(error) as object
  const loop = new Error('probe')
  defineProperty(loop, 'cause', { value: loop, writable: true, configurable: true })
  let causeLoopBreaks = false
  try {
    hostStructuredClone(loop)
  } catch {
    causeLoopBreaks = true
  }
  return { causeKept: hasOwn(copy, 'cause'), stackFirst: reads[0] === 'stack', causeLoopBreaks }
}

function cloneError(source: object): object {
  if (hostErrors === undefined) hostErrors = probeHostErrors()
  const host = hostErrors
  const messageDescriptor = getOwnPropertyDescriptor(source, 'message')
  const causeDescriptor = host.causeKept ? getOwnPropertyDescriptor(source, 'cause') : undefined
  const name = `${(source as { name?: unknown }).name}`
  const Ctor = errorConstructors.get(name) ?? Error
  const message =
    messageDescriptor !== undefined && hasOwn(messageDescriptor, 'value')
      ? `${messageDescriptor.value}`
      : undefined
  const hasCause = causeDescriptor !== undefined && hasOwn(causeDescriptor, 'value')
  const copy = newError(Ctor, message, hasCause)
  memoSet(source, copy)
  if (host.stackFirst) copyStack(source, copy)
  if (hasCause) {
    if (host.causeLoopBreaks) openErrors[openErrorsTop++] = source
    ;(copy as { cause?: unknown }).cause = cloneChild(causeDescriptor.value, 'cause')
    if (host.causeLoopBreaks) openErrors[--openErrorsTop] = undefined
  }
  if (!host.stackFirst) copyStack(source, copy)
  return copy
}

/**
 * Builds the copy without capturing a stack trace: it is replaced right after, and V8 capturing
 * one (then formatting it when the property changes) costs microseconds. A non-number
 * `Error.stackTraceLimit` makes V8 skip the capture (and still create the own `stack` property);
 * no user code runs while it is changed.
 */
function newError(Ctor: ErrorConstructor, message: string | undefined, hasCause: boolean): Error {
  const limit = getOwnPropertyDescriptor(Error, 'stackTraceLimit')
  const skipCapture = limit !== undefined && limit.writable === true
  if (skipCapture) (Error as { stackTraceLimit?: unknown }).stackTraceLimit = undefined
  try {
    return hasCause ? new Ctor(message, { cause: undefined }) : new Ctor(message)
  } finally {
    if (skipCapture) (Error as { stackTraceLimit?: unknown }).stackTraceLimit = limit.value
  }
}

function copyStack(source: object, copy: object): void {
  const stack = (source as { stack?: unknown }).stack
  const value = typeof stack === 'string' ? stack : undefined
  // V8 gives every Error an own, non-enumerable `stack`; assigning keeps it in place.
  if (hasOwn(copy, 'stack')) (copy as { stack?: unknown }).stack = value
  else
    defineProperty(copy, 'stack', { value, writable: true, enumerable: false, configurable: true })
}

/** A reference back to an Error whose cause is being cloned: V8 11.3 cannot restore it. */
function checkCauseLoop(source: object): void {
  for (let i = openErrorsBase; i < openErrorsTop; i++)
    if (openErrors[i] === source) {
      brokenCausePath ??= formatPath()
      return
    }
}

function brokenCauseError(path: string): Error {
  return new Error(
    `Unable to deserialize cloned data: an Error is referenced from inside its own cause (at ${path})`,
  )
}

// ---------------------------------------------------------------------------------------------
// Objects the host knows better.

function cloneWithHost(source: object): object {
  let copy: object
  try {
    copy = hostStructuredClone(source) as object
  } catch (error) {
    if (error instanceof HostDOMException && error.name === 'DataCloneError')
      throw cannotClone(describe(source))
    throw error
  }
  memoSet(source, copy)
  return copy
}

/** A short type name for an object: its own `Symbol.toStringTag` or constructor name. */
function describe(source: object): string {
  for (let p = getPrototypeOf(source) as object | null; p !== null; p = getPrototypeOf(p)) {
    const tag = getOwnPropertyDescriptor(p, Symbol.toStringTag)?.value
    if (typeof tag === 'string') return tag
    const ctor = getOwnPropertyDescriptor(p, 'constructor')?.value
    if (typeof ctor === 'function' && ctor.name !== '') return ctor.name
  }
  return 'object'
}

function isArguments(source: object): boolean {
  return hostTypes?.isArgumentsObject !== undefined
    ? hostTypes.isArgumentsObject(source)
    : objectToString(source) === '[object Arguments]'
}

function isModuleNamespace(source: object): boolean {
  if (hostTypes?.isModuleNamespaceObject !== undefined)
    return hostTypes.isModuleNamespaceObject(source)
  const tag = getOwnPropertyDescriptor(source, Symbol.toStringTag)
  return tag?.value === 'Module' && tag.writable === false && tag.configurable === false
}

// ---------------------------------------------------------------------------------------------
// Errors thrown by the walk.

function dataCloneError(message: string): Error {
  if (typeof HostDOMException === 'function') return new HostDOMException(message, 'DataCloneError')
  const error = new Error(message)
  error.name = 'DataCloneError'
  return error
}

function cannotClone(kind: string): Error {
  return dataCloneError(`${kind} could not be cloned (at ${formatPath()})`)
}

function notSerializable(typeName: string): Error {
  return dataCloneError(
    `Could not serialize object of type "${typeName}". This type does not support serialization.`,
  )
}

const identifier = /^[A-Za-z_$][\w$]*$/

/** The path from the root to the current value, e.g. `message.handlers[2]`. */
function formatPath(): string {
  let path = 'message'
  for (let i = pathBase; i < depth; i++) {
    const key = pathKeys[i]
    if (typeof key === 'number') path += `[${key}]`
    else if (typeof key === 'string')
      path += identifier.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`
    else {
      const segment = key as EntrySegment
      if (segment.kind === 'key') path += `.keys()[${segment.index}]`
      else if (segment.kind === 'element') path += `.values()[${segment.index}]`
      else if (typeof segment.key === 'string') path += `.get(${JSON.stringify(segment.key)})`
      else if (typeof segment.key === 'number' || typeof segment.key === 'boolean')
        path += `.get(${segment.key})`
      else path += `.values()[${segment.index}]`
    }
  }
  return path
}
