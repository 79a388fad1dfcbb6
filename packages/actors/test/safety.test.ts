/**
 * Safety: refused paths (`__proto__`, `constructor`, `prototype`, inherited members), the
 * allow-list, malformed and foreign messages reported through onError (never thrown, never an
 * unhandled rejection), a fuzz run, and the versioned handshake.
 */
import { afterEach, describe, expect, test } from 'vitest'
import {
  close,
  type Endpoint,
  expose,
  PROTOCOL_NAME,
  PROTOCOL_VERSION,
  proxy,
  RpcError,
  wrap,
} from '../src/index'
import { kinds, type Pair, tick, until } from './helpers'

type Raw = Endpoint & {
  postMessage(message: unknown): void
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void
  start?(): void
}

/** Listens on a raw port and collects what arrives. */
function collect(port: Endpoint): unknown[] {
  const received: unknown[] = []
  ;(port as Raw).addEventListener('message', (event) => received.push(event.data))
  ;(port as Raw).start?.()
  return received
}

class Account {
  balance = 10
  deposit(amount: number) {
    this.balance += amount
    return this.balance
  }
  toString() {
    return `Account(${this.balance})`
  }
}

describe.each(kinds)('over $name', ({ pair }) => {
  let ports: Pair
  afterEach(() => {
    close(ports.a)
    close(ports.b)
  })

  test.each([
    ['__proto__', ['__proto__']],
    ['constructor', ['constructor']],
    ['a nested constructor', ['account', 'constructor', 'constructor']],
    ['prototype', ['Account', 'prototype']],
    ['an inherited Object.prototype method', ['hasOwnProperty']],
    ['__defineGetter__', ['__defineGetter__']],
    ['a Function.prototype method', ['fn', 'bind']],
    ['caller', ['fn', 'caller']],
  ])('reaching %s is refused with FORBIDDEN', async (_label, path) => {
    ports = pair()
    expose({ account: new Account(), Account, fn() {} }, ports.a)
    let remote: unknown = wrap<unknown>(ports.b)
    for (const key of path) remote = (remote as Record<string, unknown>)[key]
    const call = (remote as () => Promise<unknown>)()
    const read = Promise.resolve(remote)
    for (const attempt of [call, read]) {
      const error = await attempt.catch((e: unknown) => e)
      expect(error).toBeInstanceOf(RpcError)
      expect(error).toMatchObject({ code: 'FORBIDDEN' })
      expect((error as Error).message).toContain(`"${path.at(-1)}"`)
    }
  })

  test('a method the object defines itself is allowed even if Object.prototype has one', async () => {
    ports = pair()
    expose({ account: new Account() }, ports.a)
    const remote = wrap<{ account: Account }>(ports.b)
    expect(await remote.account.toString()).toBe('Account(10)')
    expect(await remote.account.deposit(5)).toBe(15)
  })

  test('assignments cannot pollute prototypes', async () => {
    ports = pair()
    const target = { inner: {} }
    const errors: Error[] = []
    expose(target, ports.a)
    const remote = wrap<unknown>(ports.b, { onError: (e) => errors.push(e) })
    const any = remote as unknown as Record<string, Record<string, unknown>>
    Reflect.set(any.inner as object, '__proto__', { polluted: true })
    Reflect.set(any.inner as object, 'toString', 'x')
    Reflect.set(Reflect.get(any, '__proto__') as object, 'polluted', true)
    expect(await until(() => errors.length === 3)).toBe(true)
    expect(errors.every((e) => e instanceof RpcError && e.code === 'FORBIDDEN')).toBe(true)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(Object.getPrototypeOf(target.inner)).toBe(Object.prototype)
  })

  test('refused keys stay refused on the wire: string or array paths, services or handles, every kind', async () => {
    ports = pair()
    expose({ make: () => proxy({ inner: {} }) }, ports.a)
    const raw = ports.b as Raw
    const received = collect(ports.b)
    const replyTo = async (id: number) => {
      expect(await until(() => received.some((m) => Array.isArray(m) && m[1] === id))).toBe(true)
      return received.find((m) => Array.isArray(m) && m[1] === id) as unknown[]
    }
    raw.postMessage([0, PROTOCOL_NAME, PROTOCOL_VERSION])
    raw.postMessage([1, 1, '', 'make', 0])
    const made = await replyTo(1)
    const handle = (made[3] as number[])[2] as number
    expect(handle).toBeGreaterThan(0)
    const requests: unknown[][] = [
      [2, '', '__proto__', 0],
      [2, '', ['__proto__'], 0],
      [2, '', ['toString'], 0],
      [1, '', ['make', 'call'], 0, null],
      [2, '', ['make', 'prototype'], 0],
      [2, handle, '__proto__', 0],
      [2, handle, ['inner', 'constructor'], 0],
      [1, handle, ['hasOwnProperty'], 0, 'inner'],
      [3, handle, '__proto__', 0, { polluted: true }],
      [3, handle, ['inner', '__proto__', 'polluted'], 0, true],
      [4, handle, ['constructor'], 0],
    ]
    let id = 100
    for (const [kind, ...rest] of requests) {
      raw.postMessage([kind, ++id, ...rest])
      const reply = await replyTo(id)
      expect([reply[0], reply[2]]).toMatchObject([6, { type: 'RpcError', code: 'FORBIDDEN' }])
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  test('an allow-list limits the paths of a service, subtrees included', async () => {
    ports = pair()
    const api = {
      add: (a: number, b: number) => a + b,
      admin: { reset: () => 'reset' },
      math: { mul: (a: number, b: number) => a * b, div: (a: number, b: number) => a / b },
      secret: 'hidden',
    }
    expose(api, ports.a, { allow: ['add', 'math.mul'] })
    const remote = wrap<typeof api>(ports.b)
    expect(await remote.add(1, 2)).toBe(3)
    expect(await remote.math.mul(2, 3)).toBe(6)
    for (const refused of [
      remote.admin.reset(),
      remote.math.div(1, 2),
      Promise.resolve(remote.secret),
    ]) {
      await expect(refused).rejects.toMatchObject({ code: 'FORBIDDEN' })
    }
    // The parent of an allowed path would expose its siblings: refused too.
    await expect(Promise.resolve(remote.math)).rejects.toMatchObject({ code: 'FORBIDDEN' })
  })

  test('the allow-list compares keys, not dotted text: a key holding a dot is no way around it', async () => {
    ports = pair()
    const api = { math: { mul: (a: number, b: number) => a * b }, 'math.secret': () => 'leaked' }
    expose(api, ports.a, { allow: ['math'] })
    const remote = wrap<typeof api>(ports.b)
    expect(await remote.math.mul(2, 3)).toBe(6)
    await expect(remote['math.secret']()).rejects.toMatchObject({ code: 'FORBIDDEN' })
    const raw = collect(ports.b)
    ;(ports.b as Raw).postMessage([1, 9001, '', ['math.secret'], 0])
    expect(await until(() => raw.some((m) => Array.isArray(m) && m[1] === 9001))).toBe(true)
    const reply = raw.find((m) => Array.isArray(m) && m[1] === 9001) as unknown[]
    expect(reply[0]).toBe(6)
    expect(reply[2]).toMatchObject({ type: 'RpcError', code: 'FORBIDDEN' })
  })

  test('malformed and foreign messages are ignored and reported; the connection keeps working', async () => {
    ports = pair()
    const errors: Error[] = []
    expose({ ok: () => 'still fine' }, ports.a, { onError: (error) => errors.push(error) })
    const raw = ports.b as Raw
    const foreign = [
      'a string',
      42,
      null,
      { id: 1, type: 'GET', path: [] }, // a Comlink message
      [],
      [999, 1],
      [1, -1, '', 'ok', 0],
      [1, 1, {}, 'ok', 0],
      [1, 1, '', 5, 0],
      [1, 1, '', ['ok', 7], 0],
      [1, 1, '', 'ok', [0, 9, 1], 'arg'],
      [5, 77, 'a reply nobody asked for'],
      [0, 'another-protocol', 1],
    ]
    for (const message of foreign) raw.postMessage(message)
    expect(await until(() => errors.length === foreign.length)).toBe(true)
    for (const error of errors) expect(error).toMatchObject({ name: 'RpcError', code: 'PROTOCOL' })
    const remote = wrap<{ ok(): string }>(ports.b)
    expect(await remote.ok()).toBe('still fine')
  })

  test('a well-formed request for something unknown gets an error reply, not a report', async () => {
    ports = pair()
    const errors: Error[] = []
    expose({}, ports.a, { onError: (error) => errors.push(error) })
    const received = collect(ports.b)
    ;(ports.b as Raw).postMessage([1, 1, '', 'missing', 0])
    ;(ports.b as Raw).postMessage([1, 2, 12345, 'x', 0])
    expect(await until(() => received.length >= 3)).toBe(true)
    const replies = received.filter((m) => Array.isArray(m) && m[0] === 6) as unknown[][]
    expect(replies.map((m) => m[1])).toEqual([1, 2])
    expect(errors).toEqual([])
  })

  test('an onError that throws is contained', async () => {
    ports = pair()
    expose({ ok: () => 'ok' }, ports.a, {
      onError: () => {
        throw new Error('handler broke')
      },
    })
    ;(ports.b as Raw).postMessage('garbage')
    await tick()
    expect(await wrap<{ ok(): string }>(ports.b).ok()).toBe('ok')
  })

  test('fuzz: thousands of malformed messages, each reported, nothing thrown or left unhandled', async () => {
    ports = pair()
    const errors: Error[] = []
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown) => unhandled.push(reason)
    process.on('unhandledRejection', onUnhandled)
    try {
      const exposed = { ok: () => 'ok', nested: { fn: (x: unknown) => x }, cb: proxy(() => 1) }
      expose(exposed, ports.a, { onError: (error) => errors.push(error) })
      const raw = ports.b as Raw
      const messages = malformedMessages(3000, 12345)
      for (const message of messages) raw.postMessage(message)
      expect(await until(() => errors.length >= messages.length, 500)).toBe(true)
      expect(errors).toHaveLength(messages.length)
      expect(
        errors.filter((e) => !(e instanceof RpcError && e.code === 'PROTOCOL')).map(String),
      ).toEqual([])
      const remote = wrap<typeof exposed>(ports.b)
      expect(await remote.ok()).toBe('ok')
      await tick()
      expect(unhandled).toEqual([])
    } finally {
      process.off('unhandledRejection', onUnhandled)
    }
  })
})

describe('versioned handshake', () => {
  test('each side announces the protocol name and version first', async () => {
    const ports = kinds[0]?.pair() as Pair
    const received = collect(ports.b)
    expose({}, ports.a)
    expect(await until(() => received.length > 0)).toBe(true)
    expect(received[0]).toEqual([0, PROTOCOL_NAME, PROTOCOL_VERSION])
    close(ports.a)
  })

  test.each(kinds)(
    'a version mismatch gives a clear error and rejects calls ($name)',
    async ({ pair }) => {
      const ports = pair()
      const errors: Error[] = []
      const remote = wrap<{ ok(): string }>(ports.b, { onError: (error) => errors.push(error) })
      const pending = remote.ok()
      ;(ports.a as Raw).postMessage([0, PROTOCOL_NAME, PROTOCOL_VERSION + 1])
      const error = await pending.catch((e: unknown) => e)
      expect(error).toBeInstanceOf(RpcError)
      expect(error).toMatchObject({ code: 'VERSION' })
      expect((error as Error).message).toBe(
        `The peer speaks ${PROTOCOL_NAME} protocol version ${PROTOCOL_VERSION + 1}; this side speaks version ${PROTOCOL_VERSION}`,
      )
      expect(errors).toEqual([error])
      await expect(remote.ok()).rejects.toMatchObject({ code: 'VERSION' })
      close(ports.a)
      close(ports.b)
    },
  )
})

/**
 * Deterministic malformed messages: non-arrays, unknown kinds, and each message kind with one field
 * broken. None may be valid, so each must be reported exactly once.
 */
function malformedMessages(count: number, seed: number): unknown[] {
  let state = seed
  const random = () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff
    return state / 0x7fffffff
  }
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T
  const junk = (): unknown =>
    pick([
      () => undefined,
      () => null,
      () => -1,
      () => 0,
      () => 1.5,
      () => Number.NaN,
      () => 2 ** 60,
      () => 'x'.repeat(Math.floor(random() * 5)),
      () => ({ [pick(['a', '__proto__', 'then'])]: random() }),
      () => [random(), 'y'],
      () => true,
      () => 10n,
      () => new Date(0),
    ])()
  const badId = () => pick([undefined, null, -1, 0, 1.5, Number.NaN, 'id', {}, [], 2 ** 60])
  const unknownId = () => 1000 + Math.floor(random() * 1e6)
  const builders: Array<() => unknown> = [
    () => junk(),
    () => ({ type: 'APPLY', id: 1, path: ['ok'] }),
    () => [pick([18, 19, 100, -1, 'APPLY', null, 1.5])],
    // Requests: a bad id, target, path or reference list.
    () => [pick([1, 2, 3, 4]), badId(), '', 'ok', 0],
    () => [pick([1, 2, 3, 4]), 1, pick([null, {}, [], -3, 1.5, true]), 'ok', 0],
    () => [pick([1, 2, 3, 4]), 1, '', pick([null, 5, {}, [1], ['a', 2], true]), 0],
    () => [1, 1, '', 'ok', pick([1, 'x', [], [0, 0], [0, 7, 1], [5, 0, 1], [0, 0, -1], {}])],
    // Replies and cancels for calls never made.
    () => [pick([5, 6]), pick([badId(), unknownId()]), junk()],
    () => [7, pick([badId(), unknownId()]), 'ABORTED'],
    // References, streams and events for ids never exported or imported.
    () => [pick([8, 9, 13, 14, 15]), pick([badId(), unknownId()]), 1],
    () => [pick([10, 11, 12]), pick([badId(), unknownId()]), junk()],
    () => [16, pick([badId(), unknownId()]), 'event', []],
    () => [0, pick(['comlink', '', null, 1]), 1],
  ]
  return Array.from({ length: count }, () => pick(builders)())
}
