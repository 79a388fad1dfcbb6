/**
 * expose / wrap: get, set, apply and construct along paths; calls in both directions on one pair;
 * several named services on one pair. Runs over every endpoint kind.
 */
import { afterEach, describe, expect, test } from 'vitest'
import { assign, close, expose, RpcError, wrap } from '../src/index'
import { kinds, type Pair, until } from './helpers'

class Counter {
  static created = 0
  count: number
  constructor(start: number) {
    this.count = start
    Counter.created++
  }
  increment(by = 1): number {
    this.count += by
    return this.count
  }
  static describe(): string {
    return 'a counter'
  }
}

function api() {
  return {
    add: (a: number, b: number) => a + b,
    async slowDouble(x: number) {
      await new Promise((resolve) => setTimeout(resolve, 1))
      return x * 2
    },
    label: 'calculator',
    config: { level: 1, deep: { name: 'deep', greet: (who: string) => `hello ${who}` } },
    Counter,
    self(this: unknown) {
      return this === undefined ? 'no this' : 'has this'
    },
    sum: (...xs: number[]) => xs.reduce((s, x) => s + x, 0),
    echo: <T>(value: T) => value,
  }
}
type Api = ReturnType<typeof api>

describe.each(kinds)('over $name', ({ pair }) => {
  let ports: Pair
  afterEach(() => {
    close(ports.a)
    close(ports.b)
  })

  test('calls methods and awaits async ones', async () => {
    ports = pair()
    expose(api(), ports.a)
    const remote = wrap<Api>(ports.b)
    expect(await remote.add(2, 3)).toBe(5)
    expect(await remote.slowDouble(21)).toBe(42)
    expect(await remote.sum(1, 2, 3, 4, 5)).toBe(15)
    expect(await remote.sum()).toBe(0)
  })

  test('reads properties and nested paths', async () => {
    ports = pair()
    expose(api(), ports.a)
    const remote = wrap<Api>(ports.b)
    expect(await remote.label).toBe('calculator')
    expect(await remote.config.level).toBe(1)
    expect(await remote.config.deep.name).toBe('deep')
    expect(await remote.config.deep.greet('you')).toBe('hello you')
    expect(await remote.config.deep.name).toBe('deep')
  })

  test('reading a value that holds a function rejects with a DataCloneError naming it', async () => {
    ports = pair()
    expose(api(), ports.a)
    const remote = wrap<Api>(ports.b)
    const error = await Promise.resolve(remote.config).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DOMException)
    expect(error).toMatchObject({ name: 'DataCloneError' })
    expect((error as Error).message).toMatch(/^The value of config could not be cloned/)
  })

  test('clones structured values both ways', async () => {
    ports = pair()
    expose(api(), ports.a)
    const remote = wrap<Api>(ports.b)
    const value = {
      date: new Date(0),
      map: new Map([[1, { x: [1, 2] }]]),
      set: new Set(['a']),
      bytes: new Uint8Array([1, 2, 3]),
      nothing: undefined,
      big: 10n,
    }
    const back = await remote.echo(value)
    expect(back).toEqual(value)
    expect(back).not.toBe(value)
    expect(await remote.echo(null)).toBe(null)
    expect(await remote.echo(undefined)).toBe(undefined)
  })

  test('calls methods with their object as `this`', async () => {
    ports = pair()
    const target = {
      name: 'target',
      whoAmI(this: { name: string }) {
        return this.name
      },
    }
    expose(target, ports.a)
    const remote = wrap<typeof target>(ports.b)
    expect(await remote.whoAmI()).toBe('target')
  })

  test('assigns properties, with assign() or plain assignment', async () => {
    ports = pair()
    const target = api()
    expose(target, ports.a)
    const remote = wrap<Api>(ports.b)
    await assign(remote.config.level, 7)
    expect(target.config.level).toBe(7)
    expect(await remote.config.level).toBe(7)
    ;(remote as unknown as { label: string }).label = 'renamed'
    // Requests are answered in order, so the read sees the assignment.
    expect(await remote.label).toBe('renamed')
  })

  test('constructs remote instances and calls statics', async () => {
    ports = pair()
    expose(api(), ports.a)
    const remote = wrap<Api>(ports.b)
    const counter = await new remote.Counter(10)
    expect(await counter.count).toBe(10)
    expect(await counter.increment()).toBe(11)
    expect(await counter.increment(5)).toBe(16)
    expect(await counter.count).toBe(16)
    expect(await remote.Counter.describe()).toBe('a counter')
    const other = await new remote.Counter(0)
    expect(await other.count).toBe(0)
    expect(await counter.count).toBe(16)
  })

  test('exposes a bare function', async () => {
    ports = pair()
    expose((a: number, b: number) => a * b, ports.a)
    const multiply = wrap<(a: number, b: number) => number>(ports.b)
    expect(await multiply(6, 7)).toBe(42)
  })

  test('handles many calls in flight, each with its own answer', async () => {
    ports = pair()
    expose(api(), ports.a)
    const remote = wrap<Api>(ports.b)
    const results = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => (i % 2 ? remote.add(i, i) : remote.slowDouble(i))),
    )
    expect(results).toEqual(Array.from({ length: 1000 }, (_, i) => i * 2))
  })

  test('calls in both directions over one pair', async () => {
    ports = pair()
    expose({ ping: () => 'pong from a' }, ports.a)
    expose({ ping: () => 'pong from b' }, ports.b)
    const fromB = wrap<{ ping(): string }>(ports.b)
    const fromA = wrap<{ ping(): string }>(ports.a)
    const [x, y] = await Promise.all([fromB.ping(), fromA.ping()])
    expect(x).toBe('pong from a')
    expect(y).toBe('pong from b')
  })

  test('a callee can call back over the same pair while serving a call', async () => {
    ports = pair()
    const bSide = wrap<{ value(): number }>(ports.a)
    expose({ value: () => 20 }, ports.b)
    expose({ plusRemote: async (x: number) => x + (await bSide.value()) }, ports.a)
    const aSide = wrap<{ plusRemote(x: number): number }>(ports.b)
    expect(await aSide.plusRemote(1)).toBe(21)
  })

  test('serves several named services on one pair', async () => {
    ports = pair()
    expose({ run: (a: number, b: number) => a + b }, ports.a, { name: 'add' })
    expose({ run: (a: number, b: number) => a * b }, ports.a, { name: 'mul' })
    expose({ run: () => 'default' }, ports.a)
    const add = wrap<{ run(a: number, b: number): number }>(ports.b, { name: 'add' })
    const mul = wrap<{ run(a: number, b: number): number }>(ports.b, { name: 'mul' })
    const main = wrap<{ run(): string }>(ports.b)
    expect(await Promise.all([add.run(3, 4), mul.run(3, 4), main.run()])).toEqual([
      7,
      12,
      'default',
    ])
  })

  test('an unknown service rejects with NOT_FOUND, naming it', async () => {
    ports = pair()
    expose({}, ports.a)
    const missing = wrap<{ run(): void }>(ports.b, { name: 'nope' })
    const error = await missing.run().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RpcError)
    expect(error).toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('"nope"') })
  })

  test('exposing a name twice throws; the withdraw function frees it', async () => {
    ports = pair()
    const withdraw = expose({ v: () => 1 }, ports.a, { name: 'svc' })
    expect(() => expose({ v: () => 2 }, ports.a, { name: 'svc' })).toThrow(/already exposed/)
    const remote = wrap<{ v(): number }>(ports.b, { name: 'svc' })
    expect(await remote.v()).toBe(1)
    withdraw()
    await expect(remote.v()).rejects.toMatchObject({ code: 'NOT_FOUND' })
    expose({ v: () => 2 }, ports.a, { name: 'svc' })
    expect(await remote.v()).toBe(2)
  })

  test('calling something that is not a function rejects with a TypeError naming it', async () => {
    ports = pair()
    expose(api(), ports.a)
    const remote = wrap<{ label(): void; config: { nothing: { deeper(): void } } }>(ports.b)
    await expect(remote.label()).rejects.toThrow(TypeError)
    await expect(remote.label()).rejects.toThrow(/label is not a function/)
    await expect(remote.config.nothing.deeper()).rejects.toThrow(
      /Cannot read "deeper" of undefined/,
    )
  })

  test('messages are answered in the order they were sent', async () => {
    ports = pair()
    const seen: number[] = []
    expose({ record: (n: number) => void seen.push(n) }, ports.a)
    const remote = wrap<{ record(n: number): void }>(ports.b)
    await Promise.all(Array.from({ length: 50 }, (_, i) => remote.record(i)))
    expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => i))
  })

  test('wrap() sends nothing until used and a remote is not thenable', async () => {
    ports = pair()
    let served = 0
    expose({ f: () => ++served }, ports.a)
    const remote = wrap<{ f(): number }>(ports.b)
    // `await remote` must not turn into a request: the root has no `then`.
    expect(await Promise.resolve(remote)).toBe(remote)
    await until(() => false, 3)
    expect(served).toBe(0)
    expect(await remote.f()).toBe(1)
  })
})

test('bad arguments to expose() and wrap() name the problem', () => {
  const ports = kinds[0]?.pair() as Pair
  expect(() => expose(null as unknown as object, ports.a)).toThrow(/object or a function/)
  expect(() => expose({}, {} as never)).toThrow(/postMessage/)
  expect(() => wrap({ postMessage() {} } as never)).toThrow(/addEventListener/)
  expect(() => expose({}, ports.a, { name: 1 as unknown as string })).toThrow(/options.name/)
  expect(() => expose({}, ports.a, { readAhead: 0 })).toThrow(/readAhead/)
  expect(() => expose({}, ports.a, { allow: 'x' as unknown as string[] })).toThrow(/allow/)
  close(ports.a)
  close(ports.b)
})
