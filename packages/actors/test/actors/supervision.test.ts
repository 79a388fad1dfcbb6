/**
 * Supervision: resume, restart (fresh state), stop and escalate; restart limits within a window
 * and backoff, driven by the test kit's clock; one-for-one and all-for-one over children.
 */
import { describe, expect, test } from 'vitest'
import {
  type ActorError,
  type ActorRef,
  type ActorSystem,
  createActorSystem,
  type Directive,
  type SupervisorOptions,
} from '../../src/actors/index'
import { createTestKit, flush } from '../../src/testing'

interface Counter {
  add(n: number): void
  get(): number
  boom(): void
}

/** A counter that throws on `boom`; counts its starts in `starts`. */
function counter(starts: { count: number }) {
  return () => {
    starts.count++
    let value = 0
    return {
      add(n: number) {
        value += n
      },
      get: () => value,
      boom() {
        throw new Error('boom')
      },
    }
  }
}

function systemWith(supervisor: SupervisorOptions): ActorSystem {
  return createActorSystem({ supervisor })
}

describe('directives', () => {
  test('resume: the state is kept, the next message is handled', async () => {
    const system = systemWith({ decide: 'resume' })
    const starts = { count: 0 }
    const ref = system.spawn<Counter>(counter(starts))
    ref.tell('add', 5)
    ref.tell('boom')
    ref.tell('add', 1)
    expect(await ref.ask('get')).toBe(6)
    expect(starts.count).toBe(1)
    expect(system.stats(ref)?.restarts).toBe(0)
    await system.shutdown()
  })

  test('restart: fresh state, the mailbox is kept, hooks see "restart"', async () => {
    const system = systemWith({ decide: 'restart' })
    const starts = { count: 0 }
    const causes: string[] = []
    const ref = system.spawn<Counter>((ctx) => {
      ctx.onStop((cause) => void causes.push(cause))
      return counter(starts)()
    })
    ref.tell('add', 5)
    ref.tell('boom')
    ref.tell('add', 1) // queued behind the failure: handled by the new incarnation
    expect(await ref.ask('get')).toBe(1)
    expect(starts.count).toBe(2)
    expect(causes).toEqual(['restart'])
    expect(system.stats(ref)?.restarts).toBe(1)
    await system.shutdown()
    expect(causes).toEqual(['restart', 'stop'])
  })

  test('the ask whose handler threw rejects with the thrown error, whatever the directive', async () => {
    const system = systemWith({ decide: 'resume' })
    const ref = system.spawn<Counter>(counter({ count: 0 }))
    await expect(ref.ask('boom')).rejects.toThrow('boom')
    await system.shutdown()
  })

  test('stop: the actor terminates with reason "failed"; queued asks reject STOPPED', async () => {
    const system = systemWith({ decide: 'stop' })
    const ref = system.spawn<Counter>(counter({ count: 0 }))
    const reasons: string[] = []
    system.watch(ref, (notice) => reasons.push(notice.reason))
    ref.tell('boom')
    await expect(ref.ask('get')).rejects.toMatchObject({ code: 'STOPPED' })
    await flush(system)
    expect(reasons).toEqual(['failed'])
    await system.shutdown()
  })

  test('decide gets the error and the child; failed and restarted events are emitted', async () => {
    const seen: string[] = []
    const system = systemWith({
      decide(error, child) {
        seen.push(`${(error as Error).message} in ${child.path}`)
        return 'restart'
      },
    })
    const events: string[] = []
    system.events.on('failed', (ref, error, directive) =>
      events.push(`failed ${ref.path} ${(error as Error).message} ${directive}`),
    )
    system.events.on('restarted', (ref, n) => events.push(`restarted ${ref.path} ${n}`))
    const ref = system.spawn<Counter>(counter({ count: 0 }), { name: 'c' })
    ref.tell('boom')
    await flush(system)
    expect(seen).toEqual(['boom in /c'])
    expect(events).toEqual(['failed /c boom restart', 'restarted /c 1'])
    await system.shutdown()
  })

  test('a decide that throws or returns nonsense means stop, and is reported', async () => {
    const system = systemWith({ decide: () => 'retry' as Directive })
    const errors: unknown[] = []
    system.events.on('error', (e) => errors.push(e))
    const ref = system.spawn<Counter>(counter({ count: 0 }))
    ref.tell('boom')
    await flush(system)
    expect(system.stats(ref)?.status).toBe('stopped')
    expect(String(errors[0])).toBe('TypeError: supervisor.decide returned retry, not a directive')
    await system.shutdown()
  })

  test('escalate: the parent fails with the child error and its supervisor restarts it', async () => {
    const system = systemWith({ decide: 'restart' })
    const parentStarts = { count: 0 }
    let child: ActorRef<Counter> | undefined
    const parent = system.spawn(
      (ctx) => {
        parentStarts.count++
        child = ctx.spawn<Counter>(counter({ count: 0 }), { name: 'child' })
        return { starts: () => parentStarts.count }
      },
      { name: 'parent', supervisor: { decide: 'escalate' } },
    )
    const firstChild = child as ActorRef<Counter>
    const failures: string[] = []
    system.events.on('failed', (ref, _e, directive) => failures.push(`${ref.path} ${directive}`))
    firstChild.tell('boom')
    await flush(system)
    expect(failures).toEqual(['/parent/child escalate', '/parent restart'])
    expect(await parent.ask('starts')).toBe(2)
    // The restarted parent spawned a new child; the old one was stopped with it.
    expect(system.stats(firstChild)?.status).toBe('stopped')
    expect(child).not.toBe(firstChild)
    expect(await child?.ask('get')).toBe(0)
    await system.shutdown()
  })

  test('escalate: asks queued at the child settle (STOPPED) when the parent restarts', async () => {
    const system = systemWith({ decide: 'restart' })
    let child: ActorRef<Counter> | undefined
    system.spawn(
      (ctx) => {
        child = ctx.spawn<Counter>(counter({ count: 0 }), { name: 'child' })
        return {}
      },
      { name: 'parent', supervisor: { decide: 'escalate' } },
    )
    const first = child as ActorRef<Counter>
    const failed = first.ask('boom').catch((e: Error) => e.message)
    const queued = first.ask('get').catch((e: ActorError) => e.code)
    expect(await failed).toBe('boom')
    expect(await queued).toBe('STOPPED')
    await system.shutdown()
  })

  test('escalate from a top-level actor means stop', async () => {
    const system = systemWith({ decide: 'escalate' })
    const ref = system.spawn<Counter>(counter({ count: 0 }))
    ref.tell('boom')
    await flush(system)
    expect(system.stats(ref)?.status).toBe('stopped')
    await system.shutdown()
  })

  test('a behavior that throws is restarted until it works (resume means restart here)', async () => {
    const system = systemWith({ decide: 'resume' })
    let attempts = 0
    const ref = system.spawn(() => {
      attempts++
      if (attempts < 3) throw new Error(`attempt ${attempts}`)
      return { attempts: () => attempts }
    })
    expect(await ref.ask('attempts')).toBe(3)
    await system.shutdown()
  })
})

describe('restart limits and backoff (manual clock)', () => {
  test('at most maxRestarts within the window, then the child stops', async () => {
    const kit = createTestKit({ supervisor: { maxRestarts: 3, withinMs: 1000 } })
    const starts = { count: 0 }
    const ref = kit.system.spawn<Counter>(counter(starts))
    const directives: string[] = []
    kit.system.events.on('failed', (_ref, _error, directive) => directives.push(directive))
    for (let i = 0; i < 3; i++) {
      ref.tell('boom')
      await kit.flush()
    }
    expect(starts.count).toBe(4)
    expect(kit.system.stats(ref)?.status).toBe('running')
    ref.tell('boom') // the fourth failure within 1000 ms
    await kit.flush()
    expect(kit.system.stats(ref)?.status).toBe('stopped')
    expect(starts.count).toBe(4)
    // The failed event tells what was done: the last one is a stop, not a restart.
    expect(directives).toEqual(['restart', 'restart', 'restart', 'stop'])
  })

  test('restarts outside the window do not count', async () => {
    const kit = createTestKit({ supervisor: { maxRestarts: 2, withinMs: 1000 } })
    const starts = { count: 0 }
    const ref = kit.system.spawn<Counter>(counter(starts))
    for (let i = 0; i < 6; i++) {
      ref.tell('boom')
      await kit.advance(600) // two failures per window at most
    }
    expect(starts.count).toBe(7)
    expect(kit.system.stats(ref)).toMatchObject({ status: 'running', restarts: 6 })
    await kit.system.shutdown()
  })

  test('exponential backoff: 100, 200, 400 ms, capped at maxMs', async () => {
    const kit = createTestKit({
      supervisor: { maxRestarts: 10, withinMs: 60_000, backoff: { initialMs: 100, maxMs: 300 } },
    })
    const starts = { count: 0 }
    const ref = kit.system.spawn<Counter>(counter(starts))
    const restartAfter = async (expected: number) => {
      const before = starts.count
      ref.tell('boom')
      await kit.flush()
      expect(kit.system.stats(ref)?.status).toBe('suspended')
      await kit.advance(expected - 1)
      expect(starts.count).toBe(before)
      await kit.advance(1)
      expect(starts.count).toBe(before + 1)
    }
    await restartAfter(100)
    await restartAfter(200)
    await restartAfter(300) // 400 capped
    await restartAfter(300)
    // Messages sent during the backoff wait and are handled by the new incarnation.
    ref.tell('boom')
    ref.tell('add', 7)
    const reply = ref.ask('get')
    await kit.advance(300)
    expect(await reply).toBe(7)
    await kit.system.shutdown()
  })

  test("a restart clears the old incarnation's timers; the new one sets its own", async () => {
    const kit = createTestKit()
    const ticks: number[] = []
    const ref = kit.system.spawn((ctx) => {
      const incarnation = ctx.restarts
      ctx.every(100, 'tick')
      return {
        tick: () => void ticks.push(incarnation),
        boom() {
          throw new Error('boom')
        },
      }
    })
    await kit.advance(250)
    ref.tell('boom')
    await kit.flush()
    expect(kit.clock.pending).toBe(1) // only the new incarnation's periodic timer
    await kit.advance(200)
    expect(ticks).toEqual([0, 0, 1, 1])
    await kit.system.shutdown()
  })

  test('stopping an actor during its backoff cancels the restart', async () => {
    const kit = createTestKit({ supervisor: { backoff: { initialMs: 100 } } })
    const starts = { count: 0 }
    const ref = kit.system.spawn<Counter>(counter(starts))
    ref.tell('boom')
    await kit.flush()
    await kit.system.stop(ref)
    await kit.advance(1000)
    expect(starts.count).toBe(1)
    expect(kit.clock.pending).toBe(0)
  })

  test('bad supervisor options are refused with the reason', () => {
    expect(() => createActorSystem({ supervisor: { maxRestarts: -1 } })).toThrow(
      'supervisor.maxRestarts must be a non-negative integer, got -1',
    )
    expect(() => createActorSystem({ supervisor: { decide: 'retry' as Directive } })).toThrow(
      'supervisor.decide must be a directive',
    )
    expect(() => createActorSystem({ supervisor: { backoff: { factor: 0.5 } } })).toThrow(
      'supervisor.backoff.factor must be a number >= 1, got 0.5',
    )
  })
})

describe('one-for-one and all-for-one', () => {
  async function family(scope: 'one-for-one' | 'all-for-one') {
    const system = createActorSystem()
    const starts = { a: { count: 0 }, b: { count: 0 } }
    const kids: Record<string, ActorRef<Counter>> = {}
    const parent = system.spawn(
      (ctx) => {
        kids.a = ctx.spawn<Counter>(counter(starts.a), { name: 'a' })
        kids.b = ctx.spawn<Counter>(counter(starts.b), { name: 'b' })
        return {}
      },
      { name: 'parent', supervisor: { scope, decide: 'restart' } },
    )
    const a = kids.a as ActorRef<Counter>
    const b = kids.b as ActorRef<Counter>
    a.tell('add', 1)
    b.tell('add', 2)
    await flush(system) // both counters hold state before the failure
    a.tell('boom')
    await flush(system)
    return { system, parent, a, b, starts }
  }

  test('one-for-one: only the failed child restarts', async () => {
    const { system, a, b, starts } = await family('one-for-one')
    expect([starts.a.count, starts.b.count]).toEqual([2, 1])
    expect(await a.ask('get')).toBe(0)
    expect(await b.ask('get')).toBe(2)
    await system.shutdown()
  })

  test('all-for-one: every child restarts with fresh state', async () => {
    const { system, a, b, starts } = await family('all-for-one')
    expect([starts.a.count, starts.b.count]).toEqual([2, 2])
    expect(await a.ask('get')).toBe(0)
    expect(await b.ask('get')).toBe(0)
    await system.shutdown()
  })

  test('all-for-one with stop: every child stops', async () => {
    const system = createActorSystem()
    const kids: ActorRef<Counter>[] = []
    system.spawn(
      (ctx) => {
        kids.push(ctx.spawn<Counter>(counter({ count: 0 })))
        kids.push(ctx.spawn<Counter>(counter({ count: 0 })))
        return {}
      },
      { supervisor: { scope: 'all-for-one', decide: 'stop' } },
    )
    kids[0]?.tell('boom')
    await flush(system)
    expect(kids.map((k) => system.stats(k)?.status)).toEqual(['stopped', 'stopped'])
    await system.shutdown()
  })
})
