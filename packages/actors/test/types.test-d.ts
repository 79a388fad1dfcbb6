/**
 * Type tests (vitest typecheck mode): what Remote<T> makes of functions, properties, nested
 * objects, classes, overloads, streams and emitters, and which arguments are compile errors.
 */
import type { EventEmitter } from 'eventemitter3'
import { describe, expectTypeOf, test } from 'vitest'
import {
  assign,
  type Endpoint,
  type ProxyMarked,
  proxy,
  type Remote,
  type RemoteEmitter,
  type RemoteStream,
  withOptions,
  wrap,
} from '../src/index'

declare class Klass {
  static version: string
  static create(): ProxyMarked<Klass>
  constructor(start: number, label?: string)
  value: number
  increment(by: number): number
  asyncIncrement(by: number): Promise<number>
}

interface Api {
  add(a: number, b: number): number
  addLater(a: number, b: number): Promise<number>
  name: string
  count?: number
  nested: { deep: { flag: boolean; split(text: string): string[] } }
  Klass: typeof Klass
  onEvent(callback: (n: number) => void): void
  takeRemote(callback: Remote<(n: number) => void>): void
  send(data: unknown): void
  sendObject(data: object): void
  sendPoint(point: { x: number; y: number; tags?: string[] }): void
  sendPort(port: MessagePort): void
  overloaded: { (x: string): string; (x: number): number }
  numbers(): AsyncGenerator<number, string>
  letters(): AsyncIterable<string>
  consume(values: AsyncIterable<number>): Promise<number>
  events: EventEmitter<{ tick: [n: number]; note: [from: string, text: string] }>
  makeHandle(): ProxyMarked<{ ping(): string }>
}

declare const endpoint: Endpoint
declare const port: MessagePort
const remote = wrap<Api>(endpoint)

describe('Remote<T> of functions and properties', () => {
  test('methods return promises of the awaited result', () => {
    expectTypeOf(remote.add).parameters.toEqualTypeOf<[number, number]>()
    expectTypeOf(remote.add(1, 2)).toEqualTypeOf<Promise<number>>()
    expectTypeOf(remote.addLater(1, 2)).toEqualTypeOf<Promise<number>>()
    // @ts-expect-error a string is not a number
    remote.add('1', 2)
    // @ts-expect-error too few arguments
    remote.add(1)
  })

  test('properties read as promises, nested objects by path', () => {
    expectTypeOf(remote.name).resolves.toEqualTypeOf<string>()
    expectTypeOf(remote.count).resolves.toEqualTypeOf<number | undefined>()
    expectTypeOf(remote.nested.deep.flag).resolves.toEqualTypeOf<boolean>()
    expectTypeOf(remote.nested.deep.split('a b')).toEqualTypeOf<Promise<string[]>>()
    expectTypeOf(remote.nested).resolves.toEqualTypeOf<Api['nested']>()
  })

  test('a remote is disposable', () => {
    expectTypeOf(remote[Symbol.dispose]).toEqualTypeOf<() => void>()
  })

  test('assign() takes a value of the property type', () => {
    expectTypeOf(assign(remote.name, 'new')).toEqualTypeOf<Promise<void>>()
    // @ts-expect-error a number is not a string
    assign(remote.name, 1)
  })

  test('withOptions() keeps the method type', () => {
    const add = withOptions(remote.add, { timeout: 100, signal: AbortSignal.timeout(1) })
    expectTypeOf(add(1, 2)).toEqualTypeOf<Promise<number>>()
  })

  test('a bare function service', () => {
    const fn = wrap<(a: string) => number>(endpoint)
    expectTypeOf(fn('x')).toEqualTypeOf<Promise<number>>()
  })
})

describe('Remote<T> of classes', () => {
  test('new gives a promise of a remote instance', async () => {
    const instance = await new remote.Klass(1, 'label')
    expectTypeOf(instance).toEqualTypeOf<Remote<Klass>>()
    expectTypeOf(instance.value).resolves.toEqualTypeOf<number>()
    expectTypeOf(instance.increment(1)).toEqualTypeOf<Promise<number>>()
    expectTypeOf(instance.asyncIncrement(1)).toEqualTypeOf<Promise<number>>()
    // @ts-expect-error the constructor takes a number first
    new remote.Klass('1')
  })

  test('statics, and methods returning proxied values', async () => {
    expectTypeOf(remote.Klass.version).resolves.toEqualTypeOf<string>()
    const made = await remote.Klass.create()
    expectTypeOf(made.increment(2)).toEqualTypeOf<Promise<number>>()
    const handle = await remote.makeHandle()
    expectTypeOf(handle.ping()).toEqualTypeOf<Promise<string>>()
  })
})

describe('overloads', () => {
  test('each overload keeps its own result type', () => {
    expectTypeOf(remote.overloaded('a')).toEqualTypeOf<Promise<string>>()
    expectTypeOf(remote.overloaded(1)).toEqualTypeOf<Promise<number>>()
    // @ts-expect-error no overload takes a boolean
    remote.overloaded(true)
  })
})

describe('streams and events', () => {
  test('async generators and iterables arrive as RemoteStream', () => {
    expectTypeOf(remote.numbers()).toEqualTypeOf<Promise<RemoteStream<number, string>>>()
    expectTypeOf(remote.letters()).toEqualTypeOf<Promise<RemoteStream<string>>>()
  })

  test('an async iterable argument is accepted as is', () => {
    async function* local() {
      yield 1
    }
    expectTypeOf(remote.consume(local())).toEqualTypeOf<Promise<number>>()
  })

  test('an emitter property arrives as a typed RemoteEmitter', async () => {
    const events = await remote.events
    expectTypeOf(events).toEqualTypeOf<
      RemoteEmitter<{ tick: [n: number]; note: [from: string, text: string] }>
    >()
    events.on('tick', (n) => expectTypeOf(n).toEqualTypeOf<number>())
    events.on('note', (from, text) => expectTypeOf([from, text]).toEqualTypeOf<string[]>())
    // @ts-expect-error no such event
    events.on('missing', () => {})
  })
})

describe('non-cloneable arguments are compile errors', () => {
  test('a callback parameter takes proxy(fn) or a remote, never a bare function', () => {
    remote.onEvent(proxy((n: number) => expectTypeOf(n).toEqualTypeOf<number>()))
    remote.takeRemote(proxy((_n: number) => {}))
    // @ts-expect-error a bare function cannot be cloned
    remote.onEvent((_n: number) => {})
    // @ts-expect-error a bare function cannot be cloned
    remote.takeRemote((_n: number) => {})
  })

  test('an unknown parameter takes cloneable values only', () => {
    remote.send(1)
    remote.send('text')
    remote.send({ a: 1, nested: [1, { b: null }] })
    remote.send(new Date())
    remote.send(new Map([[1, 'one']]))
    remote.send(undefined)
    // @ts-expect-error a function cannot be cloned
    remote.send(() => 1)
    // @ts-expect-error a MessagePort cannot be sent
    remote.send(port)
    // @ts-expect-error a symbol cannot be cloned
    remote.send(Symbol('s'))
  })

  test('an object parameter refuses functions and ports', () => {
    remote.sendObject({ a: 1 })
    remote.sendObject([1, 2])
    // @ts-expect-error a function cannot be cloned
    remote.sendObject(() => 1)
    // @ts-expect-error a MessagePort cannot be sent
    remote.sendObject(port)
  })

  test('a typed object parameter refuses functions and ports inside it', () => {
    remote.sendPoint({ x: 1, y: 2 })
    remote.sendPoint({ x: 1, y: 2, tags: ['a'] })
    // @ts-expect-error a string is not a number
    remote.sendPoint({ x: '1', y: 2 })
  })

  test('a MessagePort parameter cannot be satisfied', () => {
    // @ts-expect-error ports never travel in a message
    remote.sendPort(port)
  })
})
