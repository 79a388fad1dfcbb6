/**
 * Lifecycle: start and stop hooks, graceful stop (drain) and immediate stop, pending asks
 * rejecting with a typed error, and timers owned by the actor.
 */
import { MessageChannel } from '@entangle/core'
import { afterEach, describe, expect, test } from 'vitest'
import {
  ActorError,
  type ActorRef,
  type ActorSystem,
  createActorSystem,
} from '../../src/actors/index'
import { createTestKit, flush } from '../../src/testing'
import { deferred } from '../helpers'

const systems: ActorSystem[] = []
function system(): ActorSystem {
  const created = createActorSystem()
  systems.push(created)
  return created
}
afterEach(async () => {
  await Promise.all(systems.splice(0).map((s) => s.shutdown()))
})

describe('hooks', () => {
  test('the behavior is the start hook; onStop hooks run in reverse order and are awaited', async () => {
    const sys = system()
    const log: string[] = []
    const gate = deferred()
    const ref = sys.spawn((ctx) => {
      log.push('start')
      ctx.onStop((cause) => void log.push(`first ${cause}`))
      ctx.onStop(async (cause) => {
        await gate.promise
        log.push(`second ${cause}`)
      })
      return { ping: () => 'pong' }
    })
    expect(log).toEqual(['start'])
    expect(await ref.ask('ping')).toBe('pong')
    let done = false
    const stopping = sys.stop(ref).then(() => {
      done = true
    })
    await flush(sys)
    expect(done).toBe(false) // still awaiting the second hook
    gate.resolve()
    await stopping
    expect(log).toEqual(['start', 'second stop', 'first stop'])
    expect(sys.stats(ref)?.status).toBe('stopped')
  })

  test('a throwing stop hook is reported on the error event and does not block the stop', async () => {
    const sys = system()
    const errors: unknown[] = []
    sys.events.on('error', (error) => errors.push(error))
    const ref = sys.spawn((ctx) => {
      ctx.onStop(() => {
        throw new Error('hook broke')
      })
      return {}
    })
    await sys.stop(ref)
    expect(errors.map(String)).toEqual(['Error: hook broke'])
  })

  test('started and stopped events carry the ref and the reason', async () => {
    const sys = system()
    const events: string[] = []
    sys.events.on('started', (ref) => events.push(`started ${ref.path}`))
    sys.events.on('stopped', (ref, reason) => events.push(`stopped ${ref.path} ${reason}`))
    const ref = sys.spawn(() => ({}), { name: 'a' })
    await sys.stop(ref)
    expect(events).toEqual(['started /a', 'stopped /a stopped'])
  })
})

describe('stopping', () => {
  function worker(sys: ActorSystem) {
    const gate = deferred()
    const handled: number[] = []
    const ref = sys.spawn(() => ({
      block: () => gate.promise,
      put: (n: number) => void handled.push(n),
      get: () => handled.length,
    }))
    return { ref, gate, handled }
  }

  test('immediate stop: queued asks and the one in progress reject with STOPPED at once', async () => {
    const sys = system()
    const letters: string[] = []
    sys.events.on('deadLetter', (l) => letters.push(`${l.name} ${l.reason}`))
    const { ref, gate, handled } = worker(sys)
    const blocking = ref.ask('block').catch((e: unknown) => e)
    await flush(sys) // 'block' is in progress (and never finishes before the stop)
    ref.tell('put', 1)
    const pending = ref.ask('get').catch((e: unknown) => e)
    await sys.stop(ref)
    const error = await pending
    expect(error).toBeInstanceOf(ActorError)
    expect((error as ActorError).code).toBe('STOPPED')
    expect((error as ActorError).message).toBe('ask "get" to /$1 failed: the actor has stopped')
    expect(await blocking).toMatchObject({
      code: 'STOPPED',
      message: '/$1 stopped while handling the ask',
    })
    expect(letters).toEqual(['put stopped', 'get stopped'])
    gate.resolve() // the abandoned handler finishes late: nothing happens
    await flush(sys)
    expect(handled).toEqual([])
  })

  test('graceful stop waits for the handler in progress', async () => {
    const sys = system()
    const { ref, gate } = worker(sys)
    const blocking = ref.ask('block')
    await flush(sys)
    let stopped = false
    const stopping = sys.stop(ref, { drain: true }).then(() => {
      stopped = true
    })
    await flush(sys)
    expect(stopped).toBe(false)
    gate.resolve()
    await expect(blocking).resolves.toBeUndefined()
    await stopping
  })

  test('messages to a stopped actor go to dead letters; asks reject at once', async () => {
    const sys = system()
    const { ref } = worker(sys)
    await sys.stop(ref)
    const letters: string[] = []
    sys.events.on('deadLetter', (l) => letters.push(`${l.name} ${l.reason}`))
    ref.tell('put', 1)
    await expect(ref.ask('get')).rejects.toMatchObject({ code: 'STOPPED' })
    expect(letters).toEqual(['put stopped', 'get stopped'])
    await sys.stop(ref) // stopping twice is fine
  })

  test('graceful stop: queued messages are handled, new ones refused, then it stops', async () => {
    const sys = system()
    const { ref, gate, handled } = worker(sys)
    ref.tell('block')
    for (let i = 0; i < 5; i++) ref.tell('put', i)
    const last = ref.ask('get')
    const stopped = sys.stop(ref, { drain: true })
    expect(sys.stats(ref)?.status).toBe('draining')
    await expect(ref.ask('get')).rejects.toMatchObject({ code: 'STOPPED' })
    gate.resolve()
    expect(await last).toBe(5)
    await stopped
    expect(handled).toEqual([0, 1, 2, 3, 4])
    expect(sys.stats(ref)?.status).toBe('stopped')
  })

  test('a handler failing during a graceful stop does not hold up the rest of the queue', async () => {
    const sys = system()
    const handled: string[] = []
    const gate = deferred()
    const ref = sys.spawn(() => ({
      block: () => gate.promise,
      boom() {
        throw new Error('boom')
      },
      put: (n: number) => void handled.push(`put ${n}`),
    }))
    ref.tell('block')
    ref.tell('boom')
    ref.tell('put', 1)
    ref.tell('put', 2)
    const stopped = sys.stop(ref, { drain: true })
    gate.resolve()
    await stopped
    expect(handled).toEqual(['put 1', 'put 2'])
  })

  test('an immediate stop overtakes a graceful one', async () => {
    const sys = system()
    const { ref, gate, handled } = worker(sys)
    ref.tell('block')
    for (let i = 0; i < 5; i++) ref.tell('put', i)
    const graceful = sys.stop(ref, { drain: true })
    const immediate = sys.stop(ref)
    gate.resolve()
    await Promise.all([graceful, immediate])
    expect(handled).toEqual([])
  })

  test('ctx.stop() from a handler stops after the current message', async () => {
    const sys = system()
    const handled: string[] = []
    const ref = sys.spawn((ctx) => ({
      quit() {
        handled.push('quit')
        ctx.stop()
      },
      more: () => void handled.push('more'),
    }))
    ref.tell('quit')
    ref.tell('more')
    const gone = new Promise((resolve) => sys.watch(ref, resolve))
    await gone
    expect(handled).toEqual(['quit'])
  })

  test('an immediate stop does not wait for an async handler that stopped its own actor', async () => {
    const sys = system()
    const never = new Promise<void>(() => {})
    const ref = sys.spawn((ctx) => ({
      async quit() {
        ctx.stop() // after this message, which never settles
        await never
      },
    }))
    const asked = ref.ask('quit').catch((e: ActorError) => e.code)
    await flush(sys)
    expect(sys.stats(ref)?.status).toBe('stopping')
    await sys.stop(ref) // resolves: the handler in progress is abandoned
    expect(await asked).toBe('STOPPED')
    expect(sys.stats(ref)?.status).toBe('stopped')
  })

  test('a stop hook an async behavior registers after its actor stopped runs at once', async () => {
    const sys = system()
    const connected = deferred()
    const log: string[] = []
    const ref = sys.spawn(async (ctx) => {
      await connected.promise
      log.push('connected')
      ctx.onStop((cause) => void log.push(`closed on ${cause}`))
      return {}
    })
    await sys.stop(ref) // while the behavior still awaits its connection
    connected.resolve()
    await flush(sys)
    expect(log).toEqual(['connected', 'closed on stop'])
  })

  test('suspended senders are released when the actor stops; their messages are dead letters', async () => {
    const sys = system()
    const gate = deferred()
    const ref = sys.spawn(() => ({ block: () => gate.promise, put: () => {} }), {
      mailbox: { capacity: 1, overflow: 'suspend' },
    })
    ref.tell('block')
    ref.tell('put')
    const waiting = ref.tell('put')
    const waitingAsk = ref.ask('put').catch((e: ActorError) => e.code)
    expect(waiting).toBeInstanceOf(Promise)
    const stopped = sys.stop(ref)
    await expect(waiting).resolves.toBeUndefined()
    expect(await waitingAsk).toBe('STOPPED')
    gate.resolve()
    await stopped
  })

  test('shutdown stops every actor and its children', async () => {
    const sys = createActorSystem()
    const stopped: string[] = []
    sys.events.on('stopped', (ref) => stopped.push(ref.path))
    sys.spawn(
      (ctx) => {
        ctx.spawn(() => ({}), { name: 'c' })
        return {}
      },
      { name: 'p' },
    )
    sys.spawn(() => ({}), { name: 'q' })
    await sys.shutdown()
    expect(stopped.sort()).toEqual(['/p', '/p/c', '/q'])
  })

  test('shutdown settles every ask: local and from the peer STOPPED, to the peer DISCONNECTED', async () => {
    const { port1, port2 } = new MessageChannel()
    const a = createActorSystem({ id: 'a' })
    const b = createActorSystem({ id: 'b' })
    systems.push(b)
    const toB = a.connect(port1)
    const toA = b.connect(port2)
    const hang = () => new Promise<never>(() => {})
    type Hang = { hang(): never; get(): number }
    const x = a.spawn<Hang>(() => ({ hang, get: () => 1 }), { name: 'x' })
    b.spawn<Hang>(() => ({ hang, get: () => 2 }), { name: 'y' })
    const y = (await toB.lookup<Hang>('/y')) as ActorRef<Hang>
    const xFromB = (await toA.lookup<Hang>('/x')) as ActorRef<Hang>
    const code = (e: ActorError) => e.code
    const outcomes = [
      x.ask('hang').catch(code), // in progress
      x.ask('get').catch(code), // queued behind it
      xFromB.ask('get').catch(code), // queued, asked from b
      y.ask('hang').catch(code), // pending at b when a goes away
    ]
    await flush(a, b) // everything has arrived: x is busy, two asks wait in its mailbox
    expect(a.stats(x)).toMatchObject({ status: 'running', mailbox: 2 })
    await a.shutdown()
    expect(await Promise.all(outcomes)).toEqual(['STOPPED', 'STOPPED', 'STOPPED', 'DISCONNECTED'])
  })

  test('stop() of something that is not a local ref rejects with a TypeError', async () => {
    const sys = system()
    await expect(sys.stop({} as never)).rejects.toThrow('stop() takes a ref to a local actor')
  })
})

describe('timers', () => {
  interface Ticker {
    tick(): void
    ring(label: string): void
    count(): number
    cancel(): void
  }

  test('after: sends once after the delay; every: periodically until cancelled', async () => {
    const kit = createTestKit()
    const seen: string[] = []
    const ref = kit.system.spawn<Ticker>((ctx) => {
      let ticks = 0
      const stopTicking = ctx.every(100, 'tick')
      ctx.after(250, 'ring', 'alarm')
      return {
        tick: () => void ticks++,
        ring: (label) => void seen.push(`${label} at ${kit.clock.now()}`),
        count: () => ticks,
        cancel: stopTicking,
      }
    })
    await kit.advance(99)
    expect(await ref.ask('count')).toBe(0)
    await kit.advance(1)
    expect(await ref.ask('count')).toBe(1)
    await kit.advance(250)
    expect(await ref.ask('count')).toBe(3)
    expect(seen).toEqual(['alarm at 250'])
    ref.tell('cancel')
    await kit.advance(1000)
    expect(await ref.ask('count')).toBe(3)
    expect(kit.clock.pending).toBe(0)
    await kit.system.shutdown()
  })

  test('timers are cleared when the actor stops', async () => {
    const kit = createTestKit()
    const ref = kit.system.spawn((ctx) => {
      ctx.every(10, 'tick')
      ctx.after(1000, 'tick')
      return { tick: () => {} }
    })
    expect(kit.clock.pending).toBe(2)
    await kit.system.stop(ref)
    expect(kit.clock.pending).toBe(0)
  })

  test('bad delays are refused', () => {
    const sys = system()
    let problem = ''
    sys.spawn((ctx) => {
      try {
        ctx.every(0, 'tick')
      } catch (error) {
        problem = String(error)
      }
      return { tick: () => {} }
    })
    expect(problem).toBe('TypeError: the delay must be a positive finite number of ms, got 0')
  })
})
