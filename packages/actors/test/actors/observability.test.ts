/**
 * Observability: per-actor counters (mailbox depth, processed, dropped, restarts) and the
 * lifecycle, dead-letter and connection events of the system's eventemitter3 emitter.
 */
import { MessageChannel } from '@entangle/core'
import { EventEmitter } from 'eventemitter3'
import { expect, test } from 'vitest'
import { createActorSystem } from '../../src/actors/index'
import { flush } from '../../src/testing'
import { deferred, until } from '../helpers'

test('stats: mailbox depth, waiting, processed, dropped, restarts and status', async () => {
  const system = createActorSystem()
  const gate = deferred()
  const ref = system.spawn(
    () => ({
      block: () => gate.promise,
      put: () => {},
      boom() {
        throw new Error('boom')
      },
    }),
    { mailbox: { capacity: 3 } },
  )
  expect(system.stats(ref)).toEqual({
    status: 'running',
    mailbox: 0,
    waiting: 0,
    processed: 0,
    dropped: 0,
    restarts: 0,
  })
  ref.tell('block')
  await flush(system)
  for (let i = 0; i < 5; i++) ref.tell('put')
  expect(system.stats(ref)).toMatchObject({ mailbox: 3, dropped: 2, processed: 0 })
  gate.resolve()
  await flush(system)
  expect(system.stats(ref)).toMatchObject({ mailbox: 0, processed: 4 })
  ref.tell('boom')
  await flush(system)
  expect(system.stats(ref)).toMatchObject({ processed: 5, restarts: 1, status: 'running' })
  await system.shutdown()
  expect(system.stats(ref)?.status).toBe('stopped')
})

test('the events emitter is an eventemitter3 emitter with every lifecycle event', async () => {
  const system = createActorSystem({ supervisor: { maxRestarts: 1 } })
  expect(system.events).toBeInstanceOf(EventEmitter)
  const log: string[] = []
  system.events.on('started', (ref) => log.push(`started ${ref.path}`))
  system.events.on('failed', (ref, _e, d) => log.push(`failed ${ref.path} ${d}`))
  system.events.on('restarted', (ref, n) => log.push(`restarted ${ref.path} ${n}`))
  system.events.on('stopped', (ref, reason) => log.push(`stopped ${ref.path} ${reason}`))
  system.events.on('deadLetter', (l) => log.push(`dead ${l.name} ${l.reason}`))
  const ref = system.spawn(
    () => ({
      boom() {
        throw new Error('boom')
      },
    }),
    { name: 'x' },
  )
  ref.tell('boom')
  await flush(system)
  ref.tell('boom')
  await flush(system)
  ref.tell('boom')
  expect(log).toEqual([
    'started /x',
    'failed /x restart',
    'restarted /x 1',
    'failed /x stop', // a second restart would be over the limit of 1: it stops
    'stopped /x failed',
    'dead boom stopped',
  ])
})

test('a throwing event listener is reported on the error event, the actor is unharmed', async () => {
  const system = createActorSystem()
  const errors: unknown[] = []
  system.events.on('error', (e) => errors.push(e))
  system.events.on('started', () => {
    throw new Error('listener broke')
  })
  const ref = system.spawn(() => ({ get: () => 1 }))
  expect(await ref.ask('get')).toBe(1)
  expect(errors.map(String)).toEqual(['Error: listener broke'])
  await system.shutdown()
})

test('a throwing deadLetter listener is reported; neither the sender nor the actor sees it', async () => {
  const system = createActorSystem()
  const errors: unknown[] = []
  system.events.on('error', (e) => errors.push(e))
  system.events.on('deadLetter', () => {
    throw new Error('listener broke')
  })
  const ref = system.spawn(() => ({ get: () => 1 }))
  const loose = ref as unknown as { tell(name: string): void }
  loose.tell('unknown') // dead-lettered by the actor's loop: 'unhandled'
  expect(await ref.ask('get')).toBe(1)
  await system.stop(ref)
  expect(() => loose.tell('get')).not.toThrow() // dead-lettered by the sender: 'stopped'
  expect(errors.map(String)).toEqual(['Error: listener broke', 'Error: listener broke'])
})

test('connected and disconnected events carry the remote system', async () => {
  const { port1, port2 } = new MessageChannel()
  const a = createActorSystem({ id: 'a' })
  const b = createActorSystem({ id: 'b' })
  const log: string[] = []
  a.events.on('connected', (remote) => log.push(`connected ${remote.id}`))
  a.events.on('disconnected', (remote) => log.push(`disconnected ${remote.id}`))
  const toB = a.connect(port1)
  b.connect(port2)
  expect(await until(() => log.length === 1)).toBe(true)
  await b.shutdown() // closes b's links, and so the port pair
  expect(await until(() => log.length === 2)).toBe(true)
  expect(log).toEqual(['connected b', 'disconnected b'])
  expect(toB.connected).toBe(false)
  await a.shutdown()
})
