/**
 * Remote events with eventemitter3 on both sides: subscribe and unsubscribe across the port, the
 * owner's listener removed when the last local one goes, release and close.
 */
import { afterEach, describe, expect, test } from 'vitest'
import { close, EventEmitter, expose, RemoteEmitter, release, wrap } from '../src/index'
import { kinds, type Pair, tick, until } from './helpers'

interface Events {
  tick: [n: number]
  message: [from: string, text: string]
  other: []
}

function service() {
  const events = new EventEmitter<Events>()
  return { events, api: { events, emitterCount: () => events.listenerCount('tick') } }
}
type Api = ReturnType<typeof service>['api']

describe.each(kinds)('over $name', ({ pair }) => {
  let ports: Pair
  afterEach(() => {
    close(ports.a)
    close(ports.b)
  })

  test('an emitter property arrives as a RemoteEmitter that receives events', async () => {
    ports = pair()
    const { events, api } = service()
    expose(api, ports.a)
    const remote = wrap<Api>(ports.b)
    const remoteEvents = await remote.events
    expect(remoteEvents).toBeInstanceOf(RemoteEmitter)
    expect(remoteEvents).toBeInstanceOf(EventEmitter)
    const ticks: number[] = []
    const messages: string[] = []
    remoteEvents.on('tick', (n) => ticks.push(n))
    remoteEvents.on('message', (from, text) => messages.push(`${from}: ${text}`))
    await until(() => events.listenerCount('message') === 1)
    events.emit('tick', 1)
    events.emit('message', 'ann', 'hi')
    events.emit('tick', 2)
    expect(await until(() => ticks.length === 2 && messages.length === 1)).toBe(true)
    expect(ticks).toEqual([1, 2])
    expect(messages).toEqual(['ann: hi'])
  })

  test('one subscription on the owner however many local listeners; removed with the last', async () => {
    ports = pair()
    const { api } = service()
    expose(api, ports.a)
    const remote = wrap<Api>(ports.b)
    const remoteEvents = await remote.events
    const first = () => {}
    const second = () => {}
    remoteEvents.on('tick', first)
    remoteEvents.on('tick', second)
    expect(await remote.emitterCount()).toBe(1)
    remoteEvents.off('tick', first)
    expect(await remote.emitterCount()).toBe(1)
    remoteEvents.off('tick', second)
    expect(await remote.emitterCount()).toBe(0)
  })

  test('once() fires once and unsubscribes on the owner', async () => {
    ports = pair()
    const { events, api } = service()
    expose(api, ports.a)
    const remote = wrap<Api>(ports.b)
    const remoteEvents = await remote.events
    const seen: number[] = []
    remoteEvents.once('tick', (n) => seen.push(n))
    expect(await remote.emitterCount()).toBe(1)
    events.emit('tick', 1)
    events.emit('tick', 2)
    expect(await until(() => seen.length > 0)).toBe(true)
    expect(await remote.emitterCount()).toBe(0)
    expect(seen).toEqual([1])
  })

  test('removeAllListeners() unsubscribes every event on the owner', async () => {
    ports = pair()
    const { events, api } = service()
    expose(api, ports.a)
    const remote = wrap<Api>(ports.b)
    const remoteEvents = await remote.events
    remoteEvents.on('tick', () => {})
    remoteEvents.addListener('other', () => {})
    await until(() => events.listenerCount('other') === 1)
    remoteEvents.removeAllListeners()
    expect(await until(() => events.eventNames().length === 0)).toBe(true)
  })

  test('reading the emitter twice gives the same RemoteEmitter', async () => {
    ports = pair()
    expose(service().api, ports.a)
    const remote = wrap<Api>(ports.b)
    expect(await remote.events).toBe(await remote.events)
  })

  test('releasing the RemoteEmitter removes the owner listeners and local ones', async () => {
    ports = pair()
    const { events, api } = service()
    expose(api, ports.a)
    const remote = wrap<Api>(ports.b)
    const remoteEvents = await remote.events
    const seen: number[] = []
    remoteEvents.on('tick', (n) => seen.push(n))
    expect(await remote.emitterCount()).toBe(1)
    release(remoteEvents)
    expect(remoteEvents.listenerCount('tick')).toBe(0)
    expect(await until(() => events.listenerCount('tick') === 0)).toBe(true)
    events.emit('tick', 1)
    await tick()
    expect(seen).toEqual([])
  })

  test('closing the connection removes the owner listeners', async () => {
    ports = pair()
    const { events, api } = service()
    expose(api, ports.a)
    const remote = wrap<Api>(ports.b)
    const remoteEvents = await remote.events
    remoteEvents.on('tick', () => {})
    expect(await remote.emitterCount()).toBe(1)
    close(ports.b)
    expect(await until(() => events.listenerCount('tick') === 0)).toBe(true)
  })

  test('an emitter returned from a method works the same', async () => {
    ports = pair()
    const emitter = new EventEmitter<{ done: [result: string] }>()
    expose({ start: () => emitter }, ports.a)
    const remote = wrap<{ start(): EventEmitter<{ done: [result: string] }> }>(ports.b)
    const events = await remote.start()
    const result = new Promise<string>((resolve) => events.once('done', resolve))
    await until(() => emitter.listenerCount('done') === 1)
    emitter.emit('done', 'ok')
    expect(await result).toBe('ok')
  })

  test('an event whose arguments cannot be cloned is reported to onError on the owner', async () => {
    ports = pair()
    const errors: Error[] = []
    const emitter = new EventEmitter<{ bad: [fn: () => void]; good: [n: number] }>()
    expose({ emitter }, ports.a, { onError: (error) => errors.push(error) })
    const remote = wrap<{ emitter: typeof emitter }>(ports.b)
    const events = await remote.emitter
    const good: number[] = []
    events.on('bad', () => {})
    events.on('good', (n) => good.push(n))
    await until(() => emitter.listenerCount('good') === 1)
    emitter.emit('bad', () => {})
    emitter.emit('good', 1)
    expect(await until(() => good.length === 1)).toBe(true)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({ name: 'DataCloneError' })
    expect(errors[0]?.message).toMatch(/The arguments of event "bad" could not be cloned/)
  })

  test('a throwing local listener is reported to onError, never thrown into the host', async () => {
    ports = pair()
    const errors: Error[] = []
    const { events, api } = service()
    expose(api, ports.a)
    const remote = wrap<Api>(ports.b, { onError: (error) => errors.push(error) })
    const remoteEvents = await remote.events
    remoteEvents.on('tick', () => {
      throw new Error('listener failed')
    })
    await until(() => events.listenerCount('tick') === 1)
    events.emit('tick', 1)
    expect(await until(() => errors.length === 1)).toBe(true)
    expect(errors[0]?.message).toBe('listener failed')
  })
})
