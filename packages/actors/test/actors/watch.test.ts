/**
 * Death watch: a termination notice when the watched actor stops, locally and across a port
 * pair, and when the port pair to the remote system closes.
 */
import { MessageChannel } from '@entangle/core'
import { afterEach, describe, expect, test } from 'vitest'
import {
  type ActorRef,
  type ActorSystem,
  createActorSystem,
  type TerminationNotice,
} from '../../src/actors/index'
import { flush, terminated } from '../../src/testing'
import { deferred, kinds } from '../helpers'

const systems: ActorSystem[] = []
function system(id?: string): ActorSystem {
  const created = createActorSystem(id === undefined ? {} : { id })
  systems.push(created)
  return created
}
afterEach(async () => {
  await Promise.all(systems.splice(0).map((s) => s.shutdown()))
})

describe('local', () => {
  test('system.watch: one notice with the reason when the actor stops', async () => {
    const sys = system()
    const ref = sys.spawn(() => ({}))
    const notices: TerminationNotice[] = []
    sys.watch(ref, (notice) => notices.push(notice))
    await sys.stop(ref)
    expect(notices).toEqual([{ ref, reason: 'stopped' }])
  })

  test('watching an actor that already stopped gives the notice at once (in a microtask)', async () => {
    const sys = system()
    const ref = sys.spawn(() => ({}))
    await sys.stop(ref)
    expect(await terminated(sys, ref)).toEqual({ ref, reason: 'stopped' })
  })

  test('unwatch: no notice', async () => {
    const sys = system()
    const ref = sys.spawn(() => ({}))
    const notices: TerminationNotice[] = []
    const unwatch = sys.watch(ref, (notice) => notices.push(notice))
    unwatch()
    await sys.stop(ref)
    await flush(sys)
    expect(notices).toEqual([])
  })

  test('ctx.watch: the notice is a message of the watcher, after what was already queued', async () => {
    const sys = system()
    const log: string[] = []
    const worker = sys.spawn(() => ({}), { name: 'worker' })
    const gate = deferred()
    const watcher = sys.spawn((ctx) => {
      ctx.watch(worker, (notice) => log.push(`${notice.ref.path} ${notice.reason}`))
      return {
        block: () => gate.promise,
        note: (text: string) => void log.push(text),
      }
    })
    watcher.tell('block')
    watcher.tell('note', 'queued before')
    await sys.stop(worker)
    await flush(sys)
    expect(log).toEqual([]) // the watcher is busy: the notice waits its turn
    gate.resolve()
    await flush(sys)
    expect(log).toEqual(['queued before', '/worker stopped'])
  })

  test('a failed actor is reported with reason "failed"', async () => {
    const sys = createActorSystem({ supervisor: { decide: 'stop' } })
    systems.push(sys)
    const ref = sys.spawn(() => ({
      boom() {
        throw new Error('boom')
      },
    }))
    const notice = terminated(sys, ref)
    ref.tell('boom')
    expect(await notice).toEqual({ ref, reason: 'failed' })
  })

  test("a watcher's watches end when it stops", async () => {
    const sys = system()
    const target = sys.spawn(() => ({}))
    const seen: string[] = []
    const watcher = sys.spawn((ctx) => {
      ctx.watch(target, () => seen.push('notice'))
      return {}
    })
    await sys.stop(watcher)
    await sys.stop(target)
    await flush(sys)
    expect(seen).toEqual([])
  })
})

describe.each(kinds)('remote, over $name', ({ pair }) => {
  async function remoteTarget() {
    const { a: endA, b: endB } = pair()
    const a = system('a')
    const b = system('b')
    const toB = a.connect(endA)
    b.connect(endB)
    const local = b.spawn(() => ({ quit: () => {} }), { name: 'target' })
    const remote = (await toB.lookup('target')) as ActorRef
    return { a, b, toB, local, remote }
  }

  test('a remote actor that stops: the notice crosses with its reason', async () => {
    const { a, b, local, remote } = await remoteTarget()
    const notice = terminated(a, remote)
    await b.stop(local)
    expect(await notice).toEqual({ ref: remote, reason: 'stopped' })
  })

  test('ctx.watch of a remote actor from a local actor', async () => {
    const { a, b, local, remote } = await remoteTarget()
    const seen = deferred<string>()
    a.spawn((ctx) => {
      ctx.watch(remote, (notice) => seen.resolve(`${notice.ref} ${notice.reason}`))
      return {}
    })
    await flush(a, b)
    await b.stop(local)
    expect(await seen.promise).toBe('actor://b/target stopped')
  })

  test('the link closing delivers "disconnected" to every watcher', async () => {
    const { a, toB, remote } = await remoteTarget()
    const first = terminated(a, remote)
    const second = terminated(a, remote)
    toB.close()
    expect(await first).toEqual({ ref: remote, reason: 'disconnected' })
    expect(await second).toEqual({ ref: remote, reason: 'disconnected' })
  })

  test('watching after the link closed gives "disconnected" at once', async () => {
    const { a, toB, remote } = await remoteTarget()
    toB.close()
    expect(await terminated(a, remote)).toEqual({ ref: remote, reason: 'disconnected' })
  })
})

test('the peer port closing (not our side) delivers "disconnected"', async () => {
  const { port1, port2 } = new MessageChannel()
  const a = system('a')
  const b = system('b')
  const toB = a.connect(port1)
  b.connect(port2)
  b.spawn(() => ({}), { name: 't' })
  const remote = (await toB.lookup('t')) as ActorRef
  const notice = terminated(a, remote)
  port2.close() // the peer's end goes away without a goodbye
  expect(await notice).toEqual({ ref: remote, reason: 'disconnected' })
  expect(toB.connected).toBe(false)
})
