/**
 * Section B of core-semantics.md: `postMessage(message, transferOrOptions?)`, its argument forms,
 * its errors, when the value is cloned and what the receiver gets.
 *
 * Bad input rule: every case where `postMessage` throws on an open port then posts a good message
 * from the same port and checks it is the only thing the peer ever received.
 */
import {
  assertOnlyGoodArrives,
  collect,
  deepEqual,
  equal,
  ok,
  settle,
  throws,
  waitFor,
  withChannel,
} from './assert'
import type { Case, Impl, PortLike } from './types'

const TRANSFER_UNSUPPORTED = {
  ctor: Error,
  name: 'Error',
  message: 'Transfer list is not supported',
}
const DATA_CLONE = { ctor: DOMException, name: 'DataCloneError', code: 25 }
const PORT_NOT_SERIALIZABLE = {
  ...DATA_CLONE,
  message:
    'Could not serialize object of type "MessagePort". This type does not support serialization.',
}
const SHARED_UNSUPPORTED = {
  ctor: TypeError,
  name: 'TypeError',
  message: 'SharedArrayBuffer is unsupported with MessagePort',
}

/** A case where `postMessage(value, second)` throws `error` and the port stays usable. */
function rejected(
  id: string,
  title: string,
  args: () => [message: unknown, second?: unknown],
  error: Parameters<typeof throws>[1],
): Case {
  return {
    id,
    title,
    run: (impl) =>
      withChannel(impl, async ({ port1, port2 }) => {
        const seen = collect(port2)
        const [message, ...second] = args()
        throws(() => port1.postMessage(message, ...second), error, 'postMessage')
        await assertOnlyGoodArrives(port1, seen)
      }),
  }
}

/** A case where `postMessage('hello', second)` is accepted and delivers `'hello'`. */
function accepted(id: string, title: string, second: unknown): Case {
  return {
    id,
    title,
    run: (impl) =>
      withChannel(impl, async ({ port1, port2 }) => {
        const seen = collect(port2)
        port1.postMessage('hello', second)
        await waitFor(() => seen.data.length > 0, 'the message')
        await settle(impl)
        deepEqual(seen.data, ['hello'], 'messages received')
      }),
  }
}

/** A case where the receiver gets exactly what the host's `structuredClone` makes of `make()`. */
function clonesLikeHost(
  id: string,
  title: string,
  make: () => unknown,
  check: (received: unknown) => void = () => {},
): Case {
  return {
    id,
    title,
    run: (impl) =>
      withChannel(impl, async ({ port1, port2 }) => {
        const seen = collect(port2)
        port1.postMessage(make())
        await waitFor(() => seen.data.length > 0, 'the message')
        deepEqual(seen.data[0], structuredClone(make()), 'received value (vs structuredClone)')
        check(seen.data[0])
      }),
  }
}

/** A `SharedArrayBuffer`, also where the global constructor is hidden (no cross-origin isolation). */
function sharedBuffer(): ArrayBufferLike {
  if (typeof SharedArrayBuffer === 'function') return new SharedArrayBuffer(8)
  return new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }).buffer
}

/** Runs `fn` with a port of the host's own MessageChannel if it differs from `impl`'s. */
function withForeignPort(impl: Impl, fn: (port: PortLike) => void): void {
  const Host = globalThis.MessageChannel as Impl['MessageChannel'] | undefined
  const channel = new (Host && Host !== impl.MessageChannel ? Host : impl.MessageChannel)()
  try {
    fn(channel.port1)
  } finally {
    channel.port1.close()
    channel.port2.close()
  }
}

export const casesB: Case[] = [
  {
    id: 'B1',
    title:
      'non-empty transfer list `[x]`: plain Error "Transfer list is not supported"; the ArrayBuffer is not detached',
    run: (impl) =>
      withChannel(impl, async ({ port1, port2 }) => {
        const seen = collect(port2)
        const buffer = new ArrayBuffer(8)
        throws(() => port1.postMessage(buffer, [buffer]), TRANSFER_UNSUPPORTED, 'postMessage')
        equal(buffer.byteLength, 8, 'byteLength of the buffer named in the transfer list')
        await assertOnlyGoodArrives(port1, seen)
      }),
  },
  {
    id: 'B1a',
    title: 'non-empty transfer list `{transfer: [x]}`: same Error; the ArrayBuffer is not detached',
    run: (impl) =>
      withChannel(impl, async ({ port1, port2 }) => {
        const seen = collect(port2)
        const buffer = new ArrayBuffer(8)
        throws(
          () => port1.postMessage({ buffer }, { transfer: [buffer] }),
          TRANSFER_UNSUPPORTED,
          'postMessage',
        )
        equal(buffer.byteLength, 8, 'byteLength of the buffer named in the transfer list')
        await assertOnlyGoodArrives(port1, seen)
      }),
  },
  {
    id: 'B1b',
    title:
      'non-empty transfer list: checked before serialization (no getter runs, no DataCloneError)',
    run: (impl) =>
      withChannel(impl, async ({ port1, port2 }) => {
        const seen = collect(port2)
        const buffer = new ArrayBuffer(8)
        let getterRuns = 0
        const message = {
          get watched() {
            getterRuns++
            return 1
          },
          notCloneable: () => {},
        }
        throws(() => port1.postMessage(message, [buffer]), TRANSFER_UNSUPPORTED, 'postMessage')
        equal(getterRuns, 0, 'getter runs before the transfer list was rejected')
        equal(buffer.byteLength, 8, 'byteLength of the buffer named in the transfer list')
        await assertOnlyGoodArrives(port1, seen)
      }),
  },
  {
    id: 'B1c',
    title: 'non-empty transfer list: also rejected on a closed port',
    run: (impl) =>
      withChannel(impl, ({ port1 }) => {
        port1.close()
        const buffer = new ArrayBuffer(8)
        throws(() => port1.postMessage(buffer, [buffer]), TRANSFER_UNSUPPORTED, 'postMessage')
        equal(buffer.byteLength, 8, 'byteLength of the buffer named in the transfer list')
        // The port is closed, so the "good message still arrives" check does not apply.
      }),
  },
  {
    id: 'B1d',
    title: 'non-empty transfer list holding a MessagePort: same Error',
    run: (impl) =>
      withChannel(impl, async ({ port1, port2 }) => {
        const seen = collect(port2)
        await withChannel(impl, (other) => {
          throws(() => port1.postMessage('hello', [other.port2]), TRANSFER_UNSUPPORTED)
        })
        await assertOnlyGoodArrives(port1, seen)
      }),
  },
  accepted('B2', 'second argument `[]` is accepted', []),
  accepted('B2a', 'second argument `{}` is accepted', {}),
  accepted('B2b', 'second argument `{transfer: []}` is accepted', { transfer: [] }),
  accepted('B2c', 'second argument `undefined` is accepted', undefined),
  accepted('B2d', 'second argument `null` is accepted', null),
  accepted('B2e', 'second argument `{transfer: undefined}` is accepted', { transfer: undefined }),
  rejected('B3', 'second argument a string: TypeError', () => ['hello', 'port'], {
    ctor: TypeError,
  }),
  rejected('B3a', 'second argument a number: TypeError', () => ['hello', 1], { ctor: TypeError }),
  rejected('B4', '`{transfer: 1}`: TypeError', () => ['hello', { transfer: 1 }], {
    ctor: TypeError,
  }),
  rejected('B4a', '`{transfer: null}`: TypeError', () => ['hello', { transfer: null }], {
    ctor: TypeError,
  }),
  rejected('B4b', "`{transfer: 'ab'}`: TypeError", () => ['hello', { transfer: 'ab' }], {
    ctor: TypeError,
  }),
  rejected('B4c', '`{transfer: {}}`: TypeError', () => ['hello', { transfer: {} }], {
    ctor: TypeError,
  }),
  {
    id: 'B5',
    title: '`postMessage()` with no argument delivers `undefined`',
    run: (impl) =>
      withChannel(impl, async ({ port1, port2 }) => {
        const seen = collect(port2)
        port1.postMessage()
        await waitFor(() => seen.data.length > 0, 'the message')
        equal(seen.data[0], undefined, 'data')
      }),
  },
  {
    id: 'B6',
    title: '`postMessage(undefined)` delivers `undefined`',
    run: (impl) =>
      withChannel(impl, async ({ port1, port2 }) => {
        const seen = collect(port2)
        port1.postMessage(undefined)
        await waitFor(() => seen.data.length > 0, 'the message')
        equal(seen.data[0], undefined, 'data')
      }),
  },
  {
    id: 'B7',
    title:
      'the value is cloned synchronously inside `postMessage`: getters run during the call, later mutation is not seen, the receiver gets a copy',
    run: (impl) =>
      withChannel(impl, async ({ port1, port2 }) => {
        const seen = collect(port2)
        const log: string[] = []
        const original = {
          list: [1],
          get computed() {
            log.push('getter')
            return 'computed'
          },
        }
        port1.postMessage(original)
        log.push('returned')
        deepEqual(log, ['getter', 'returned'], 'getter runs relative to postMessage returning')
        original.list.push(2)
        await waitFor(() => seen.data.length > 0, 'the message')
        deepEqual(seen.data[0], { list: [1], computed: 'computed' }, 'received value')
        ok(seen.data[0] !== original, 'the receiver gets a copy, not the original')
      }),
  },
  {
    id: 'B7a',
    title: "a getter's exception propagates from `postMessage` unchanged",
    run: (impl) =>
      withChannel(impl, async ({ port1, port2 }) => {
        const seen = collect(port2)
        const thrown = { reason: 'thrown by a getter' }
        const message = {
          get broken(): never {
            throw thrown
          },
        }
        const got = throws(() => port1.postMessage(message), {}, 'postMessage')
        equal(got, thrown, 'what postMessage threw')
        await assertOnlyGoodArrives(port1, seen)
      }),
  },
  rejected('B8', 'a function: DataCloneError (code 25)', () => [() => {}], DATA_CLONE),
  rejected('B8a', 'a symbol: DataCloneError (code 25)', () => [Symbol('s')], DATA_CLONE),
  rejected('B8b', 'a WeakMap: DataCloneError (code 25)', () => [new WeakMap()], DATA_CLONE),
  rejected('B8c', 'a Promise: DataCloneError (code 25)', () => [Promise.resolve(1)], DATA_CLONE),
  rejected('B8d', 'a Proxy: DataCloneError (code 25)', () => [new Proxy({}, {})], DATA_CLONE),
  rejected(
    'B8e',
    'a function deep inside plain data: DataCloneError (code 25)',
    () => [{ list: [1, { fn() {} }] }],
    DATA_CLONE,
  ),
  {
    id: 'B9',
    title:
      'the sending port itself: DataCloneError "Could not serialize object of type "MessagePort"..."',
    run: (impl) =>
      withChannel(impl, async ({ port1, port2 }) => {
        const seen = collect(port2)
        throws(() => port1.postMessage(port1), PORT_NOT_SERIALIZABLE, 'postMessage')
        throws(() => port1.postMessage(port2), PORT_NOT_SERIALIZABLE, 'postMessage')
        await assertOnlyGoodArrives(port1, seen)
      }),
  },
  {
    id: 'B9a',
    title: 'a port of another channel nested in the value: DataCloneError about "MessagePort"',
    run: (impl) =>
      withChannel(impl, async ({ port1, port2 }) => {
        const seen = collect(port2)
        await withChannel(impl, (other) => {
          throws(
            () => port1.postMessage({ reply: [other.port2] }),
            PORT_NOT_SERIALIZABLE,
            'postMessage',
          )
        })
        await assertOnlyGoodArrives(port1, seen)
      }),
  },
  {
    id: 'B9b',
    title: 'a MessageChannel in the value: DataCloneError "Could not serialize object of type ..."',
    run: (impl) =>
      withChannel(impl, async ({ port1, port2 }) => {
        const seen = collect(port2)
        // The spec quotes the MessagePort message; a MessageChannel may name itself instead.
        await withChannel(impl, ({ channel }) => {
          throws(() => port1.postMessage({ channel }), {
            ...DATA_CLONE,
            message:
              /^Could not serialize object of type "(MessageChannel|MessagePort)"\. This type does not support serialization\.$/,
          })
        })
        await assertOnlyGoodArrives(port1, seen)
      }),
  },
  {
    id: 'B9c',
    title: 'the host\'s own MessagePort in the value: DataCloneError about "MessagePort"',
    run: (impl) =>
      withChannel(impl, async ({ port1, port2 }) => {
        const seen = collect(port2)
        withForeignPort(impl, (foreign) => {
          throws(() => port1.postMessage({ foreign }), PORT_NOT_SERIALIZABLE, 'postMessage')
        })
        await assertOnlyGoodArrives(port1, seen)
      }),
  },
  rejected(
    'B10',
    'a SharedArrayBuffer: TypeError "SharedArrayBuffer is unsupported with MessagePort"',
    () => [sharedBuffer()],
    SHARED_UNSUPPORTED,
  ),
  rejected(
    'B10a',
    'a SharedArrayBuffer nested in plain data: same TypeError',
    () => [{ deep: [{ shared: sharedBuffer() }] }],
    SHARED_UNSUPPORTED,
  ),
  rejected(
    'B10b',
    'a typed array over a SharedArrayBuffer: same TypeError',
    () => [new Int32Array(sharedBuffer())],
    SHARED_UNSUPPORTED,
  ),
  clonesLikeHost(
    'B11',
    'what the receiver gets: a class instance arrives as a plain object',
    () => {
      class Point {
        constructor(
          public x: number,
          public y: number,
        ) {}
        norm() {
          return Math.hypot(this.x, this.y)
        }
      }
      return new Point(3, 4)
    },
    (received) => equal(Object.getPrototypeOf(received), Object.prototype, 'prototype'),
  ),
  clonesLikeHost(
    'B11a',
    'what the receiver gets: an Error keeps its type, message and cause',
    () => new RangeError('out of range', { cause: new TypeError('the cause') }),
    (received) => {
      equal((received as Error).constructor, RangeError, 'constructor')
      equal((received as Error).message, 'out of range', 'message')
    },
  ),
  {
    id: 'B11b',
    title: 'what the receiver gets: cycles and shared references are preserved',
    run: (impl) =>
      withChannel(impl, async ({ port1, port2 }) => {
        const seen = collect(port2)
        const shared = { n: 1 }
        const value: { a: object; b: object; self: unknown[] } = { a: shared, b: shared, self: [] }
        value.self.push(value)
        port1.postMessage(value)
        await waitFor(() => seen.data.length > 0, 'the message')
        const got = seen.data[0] as typeof value
        ok(got.a === got.b, 'the shared reference arrives as one object')
        ok(got.self[0] === got, 'the cycle arrives as a cycle')
        ok(got !== value, 'the receiver gets a copy')
        deepEqual(got, structuredClone(value), 'received value (vs structuredClone)')
      }),
  },
  clonesLikeHost(
    'B11c',
    'what the receiver gets: built-in types as structuredClone makes them',
    () => ({
      date: new Date(Date.UTC(2025, 7, 15)),
      regexp: /a+b/gi,
      map: new Map<unknown, unknown>([
        ['k', { v: 1 }],
        [2, [3]],
      ]),
      set: new Set([1, 'two']),
      bytes: new Uint8Array([1, 2, 3]),
      buffer: new Uint16Array([7, 8]).buffer,
      big: 12345678901234567890n,
      negativeZero: -0,
      notANumber: Number.NaN,
      missing: undefined,
      boxed: new String('boxed'),
      nested: [[[]]],
    }),
  ),
  {
    id: 'B12',
    title: '`postMessage` on a closed port is silently dropped',
    run: (impl) =>
      withChannel(impl, async ({ port1, port2 }) => {
        const seen = collect(port2)
        port1.close()
        port1.postMessage('after close')
        await settle(impl)
        deepEqual(seen.data, [], 'messages received')
      }),
  },
  {
    id: 'B12a',
    title: '`postMessage` to a closed peer is silently dropped',
    run: (impl) =>
      withChannel(impl, async ({ port1, port2 }) => {
        const seen = collect(port2)
        port2.close()
        port1.postMessage('to a closed peer')
        await settle(impl)
        deepEqual(seen.data, [], 'messages received')
      }),
  },
  {
    id: 'B12b',
    title: 'closed port or closed peer: DataCloneError for a non-cloneable value is still thrown',
    run: (impl) =>
      withChannel(impl, ({ port1, port2 }) => {
        port2.close()
        throws(() => port1.postMessage(() => {}), DATA_CLONE, 'postMessage to a closed peer')
        port1.close()
        throws(() => port1.postMessage(Symbol('s')), DATA_CLONE, 'postMessage on a closed port')
      }),
  },
  {
    id: 'B12c',
    title: 'closed port: the MessagePort and SharedArrayBuffer errors are still thrown',
    run: (impl) =>
      withChannel(impl, ({ port1, port2 }) => {
        port1.close()
        throws(() => port1.postMessage(port2), PORT_NOT_SERIALIZABLE, 'postMessage(port)')
        throws(() => port1.postMessage(sharedBuffer()), SHARED_UNSUPPORTED, 'postMessage(shared)')
      }),
  },
  {
    id: 'B12d',
    title: 'closed peer: transfer errors are still thrown',
    run: (impl) =>
      withChannel(impl, ({ port1, port2 }) => {
        port2.close()
        const buffer = new ArrayBuffer(8)
        throws(() => port1.postMessage(buffer, [buffer]), TRANSFER_UNSUPPORTED, 'postMessage')
        equal(buffer.byteLength, 8, 'byteLength of the buffer named in the transfer list')
      }),
  },
]
