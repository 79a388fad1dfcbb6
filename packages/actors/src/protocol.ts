/**
 * The wire protocol: message kinds, reference kinds, the version, and the cheap shape checks run on
 * every incoming message. PROTOCOL.md describes the same thing in prose; keep the two in step.
 *
 * Every message is a flat array whose first element is its kind. Ids are positive safe integers.
 */

/** Name sent in the handshake, so a port shared with some other protocol is recognised. */
export const PROTOCOL_NAME = 'entangle-rpc'

/** Version of the wire protocol. A peer announcing another version is refused with a clear error. */
export const PROTOCOL_VERSION = 1

// Message kinds (first element of every message).
/** `[HELLO, name, version]`: first message each side sends. */
export const HELLO = 0
/** `[APPLY, id, target, path, refs, ...args]`: call the function at `path`. */
export const APPLY = 1
/** `[GET, id, target, path, 0]`: read the value at `path`. */
export const GET = 2
/** `[SET, id, target, path, refs, value]`: assign the value at `path`. */
export const SET = 3
/** `[NEW, id, target, path, refs, ...args]`: construct; the reply is a handle to the instance. */
export const NEW = 4
/** `[OK, id, value, refs?]`: a request succeeded. */
export const OK = 5
/** `[ERR, id, error]`: a request failed; `error` is a wire error (see errors.ts). */
export const ERR = 6
/** `[CANCEL, id, code]`: the caller gave up on a request ('ABORTED' or 'TIMEOUT'). */
export const CANCEL = 7
/** `[RELEASE, handle, count]`: the importer drops `count` references to an exported handle. */
export const RELEASE = 8
/** `[PULL, stream, credit]`: the consumer allows `credit` more items. */
export const PULL = 9
/** `[ITEM, stream, value]`: one item of a stream. */
export const ITEM = 10
/** `[END, stream, value]`: the stream finished (value: the generator's return value). */
export const END = 11
/** `[FAIL, stream, error]`: the stream threw. */
export const FAIL = 12
/** `[STOP, stream]`: the consumer stops early; the producer's `return()` runs, then END. */
export const STOP = 13
/** `[SUB, emitter, event]`: start forwarding an event. */
export const SUB = 14
/** `[UNSUB, emitter, event]`: stop forwarding an event. */
export const UNSUB = 15
/** `[EMIT, emitter, event, args]`: an event fired on the owner's emitter. */
export const EMIT = 16
/** `[BYE]`: the sender closed the connection. */
export const BYE = 17

// Reference kinds, in the `refs` list `[slot, kind, id, slot, kind, id, ...]`.
/** An object or function exported by the sender (`proxy()`, `new`). */
export const REF_HANDLE = 0
/** One of the receiver's own exports, coming back to it. */
export const REF_LOCAL = 1
/** An async iterable produced by the sender. */
export const REF_STREAM = 2
/** An eventemitter3 emitter exported by the sender. */
export const REF_EMITTER = 3

/** A request path on the wire: a single key as a string, or an array of keys. */
export type WirePath = string | readonly string[]

/** A request or stream id, or a handle id: a positive safe integer. */
export function isId(value: unknown): value is number {
  return typeof value === 'number' && value > 0 && Number.isSafeInteger(value)
}

/** A property path: an array of strings. */
export function isPath(value: unknown): value is string[] {
  if (!Array.isArray(value)) return false
  for (let i = 0; i < value.length; i++) if (typeof value[i] !== 'string') return false
  return true
}

/** A `refs` list for `slots` values: triples of slot index, known kind and id. */
export function isRefs(value: unknown, slots: number): value is number[] {
  if (!Array.isArray(value) || value.length === 0 || value.length % 3 !== 0) return false
  for (let i = 0; i < value.length; i += 3) {
    const slot = value[i]
    const kind = value[i + 1]
    if (typeof slot !== 'number' || !Number.isInteger(slot) || slot < 0 || slot >= slots) {
      return false
    }
    if (kind !== REF_HANDLE && kind !== REF_LOCAL && kind !== REF_STREAM && kind !== REF_EMITTER) {
      return false
    }
    if (!isId(value[i + 2])) return false
  }
  return true
}

/**
 * Human-readable name of a request target, for error messages: `math.add`, `remote#3.inc`.
 * `path` is an array of keys, or a single key as on the wire.
 */
export function describe(target: string | number, path: WirePath): string {
  const head = typeof target === 'number' ? `remote#${target}` : target
  const tail = typeof path === 'string' ? path : path.join('.')
  if (head === '') return tail === '' ? 'the exposed value' : tail
  return tail === '' ? head : `${head}.${tail}`
}
