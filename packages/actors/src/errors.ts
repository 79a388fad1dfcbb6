/**
 * Errors: the typed `RpcError` this package rejects with, and the encoding that carries a thrown
 * value across the port with its class, message, stack, cause, AggregateError's errors and own
 * properties. A thrown non-Error value travels as itself.
 */

/** Why an RPC operation failed, independent of what the remote code threw. */
export type RpcErrorCode =
  /** The connection closed: `close()` on either side, the port's `close` event, a worker exit. */
  | 'CLOSED'
  /** The remote object was released (`release()`, `Symbol.dispose`) or is unknown to its owner. */
  | 'RELEASED'
  /** The call's `timeout` elapsed. */
  | 'TIMEOUT'
  /** The call's `signal` aborted. */
  | 'ABORTED'
  /** A malformed or foreign message arrived (reported through `onError`). */
  | 'PROTOCOL'
  /** The peer speaks another version of the wire protocol. */
  | 'VERSION'
  /** The path is refused: `__proto__`, `constructor`, `prototype`, inherited, or not allowed. */
  | 'FORBIDDEN'
  /** No service of that name is exposed on the peer. */
  | 'NOT_FOUND'

/** The error every RPC-level failure rejects with; `code` says which one. */
export class RpcError extends Error {
  /** What went wrong. */
  readonly code: RpcErrorCode

  /** Creates an error with a code and a message (and optionally a `cause`). */
  constructor(code: RpcErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.code = code
  }
}
Object.defineProperty(RpcError.prototype, 'name', {
  value: 'RpcError',
  writable: true,
  configurable: true,
})

/** Builds the `DataCloneError` DOMException raised when a value cannot be sent. */
export function dataCloneError(what: string, cause?: unknown): DOMException {
  const detail = cause instanceof Error ? `: ${cause.message}` : ''
  return new DOMException(`${what} could not be cloned${detail}`, 'DataCloneError')
}

/** A thrown value on the wire: either the value itself or the description of an error. */
export type WireError =
  | { readonly value: unknown }
  | {
      readonly type: string
      readonly name: string
      readonly message: string
      readonly stack?: string
      readonly code?: string
      readonly cause?: WireError
      readonly errors?: readonly WireError[]
      readonly props?: Readonly<Record<string, unknown>>
    }

const builtins = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
  AggregateError,
} as const
type BuiltinName = keyof typeof builtins

// Most specific first: the first class an error is an instance of decides how it is rebuilt.
const order: readonly BuiltinName[] = [
  'AggregateError',
  'TypeError',
  'RangeError',
  'SyntaxError',
  'ReferenceError',
  'EvalError',
  'URIError',
  'Error',
]
const skipped = new Set(['stack', 'message', 'cause', 'name', 'errors', 'code'])
const maxDepth = 16

function typeOf(error: object): string | undefined {
  if (error instanceof RpcError) return 'RpcError'
  if (typeof DOMException === 'function' && error instanceof DOMException) return 'DOMException'
  for (const name of order) if (error instanceof builtins[name]) return name
  // An error from another realm fails instanceof but still tags itself as an Error.
  if (Object.prototype.toString.call(error) === '[object Error]') return 'Error'
  return undefined
}

function isCloneable(value: unknown): boolean {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) {
    return typeof value !== 'symbol'
  }
  try {
    structuredClone(value)
    return true
  } catch {
    return false
  }
}

/**
 * Encodes a thrown value for the wire. `redactStack` leaves stacks out. A cause or inner error
 * already met on the way down (a cycle) or deeper than 16 levels is left out. Never throws: an own
 * property whose getter throws is left out, and an error that cannot be read at all (a hostile
 * proxy) is replaced by a plain Error saying so.
 */
export function encodeError(
  thrown: unknown,
  redactStack: boolean,
  seen: Set<object> = new Set(),
): WireError {
  try {
    return encode(thrown, redactStack, seen)
  } catch {
    return { type: 'Error', name: 'Error', message: 'A thrown error could not be read' }
  }
}

function encode(thrown: unknown, redactStack: boolean, seen: Set<object>): WireError {
  const type = typeof thrown === 'object' && thrown !== null ? typeOf(thrown) : undefined
  if (type === undefined) return { value: thrown }
  const error = thrown as Error & { code?: unknown; errors?: unknown }
  seen.add(error)
  const wire: {
    type: string
    name: string
    message: string
    stack?: string
    code?: string
    cause?: WireError
    errors?: WireError[]
    props?: Record<string, unknown>
  } = { type, name: String(error.name), message: String(error.message) }
  if (!redactStack && typeof error.stack === 'string') wire.stack = error.stack
  if (typeof error.code === 'string') wire.code = error.code
  const deeper = (inner: unknown) =>
    typeof inner === 'object' && inner !== null && seen.has(inner)
      ? undefined
      : encodeError(inner, redactStack, seen)
  if (seen.size <= maxDepth) {
    const cause = 'cause' in error ? deeper(error.cause) : undefined
    if (cause !== undefined) wire.cause = cause
    if (type === 'AggregateError' && Array.isArray(error.errors)) {
      wire.errors = error.errors.flatMap((inner) => deeper(inner) ?? [])
    }
  }
  for (const key of Object.keys(error)) {
    if (skipped.has(key)) continue
    let value: unknown
    try {
      value = (error as unknown as Record<string, unknown>)[key]
    } catch {
      continue
    }
    if (!isCloneable(value)) continue
    wire.props ??= {}
    wire.props[key] = value
  }
  return wire
}

function define(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, configurable: true })
}

/** Rebuilds a thrown value from its wire form. Never throws, whatever the peer sent. */
export function decodeError(wire: unknown, depth = 0): unknown {
  if (typeof wire !== 'object' || wire === null) {
    return new RpcError('PROTOCOL', 'The peer sent an error in an unknown format')
  }
  if (!('type' in wire)) return (wire as { value?: unknown }).value
  const w = wire as Record<string, unknown>
  const message = typeof w.message === 'string' ? w.message : ''
  const name = typeof w.name === 'string' ? w.name : 'Error'
  let error: Error
  if (w.type === 'RpcError') {
    error = new RpcError(
      typeof w.code === 'string' ? (w.code as RpcErrorCode) : 'PROTOCOL',
      message,
    )
  } else if (w.type === 'DOMException' && typeof DOMException === 'function') {
    error = new DOMException(message, name)
  } else if (w.type === 'AggregateError') {
    const inner = Array.isArray(w.errors) && depth < maxDepth ? w.errors : []
    error = new AggregateError(
      inner.map((e) => decodeError(e, depth + 1)),
      message,
    )
  } else {
    const ctor = Object.hasOwn(builtins, w.type as string)
      ? builtins[w.type as BuiltinName]
      : builtins.Error
    error = new (ctor as ErrorConstructor)(message)
  }
  if (error.name !== name && !(error instanceof DOMException)) define(error, 'name', name)
  define(error, 'stack', typeof w.stack === 'string' ? w.stack : `${name}: ${message}`)
  if (
    typeof w.code === 'string' &&
    !(error instanceof RpcError) &&
    !(error instanceof DOMException)
  )
    define(error, 'code', w.code)
  if ('cause' in w && depth < maxDepth) define(error, 'cause', decodeError(w.cause, depth + 1))
  if (typeof w.props === 'object' && w.props !== null) {
    for (const key of Object.keys(w.props)) {
      if (key === '__proto__') continue
      ;(error as unknown as Record<string, unknown>)[key] = (w.props as Record<string, unknown>)[
        key
      ]
    }
  }
  return error
}
