/**
 * Spawning, tell and ask, the one-message-at-a-time mailbox, names, paths and hierarchy.
 */
import { afterEach, describe, expect, test } from 'vitest'
import { ActorError, type ActorSystem, createActorSystem } from '../../src/actors/index'
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

interface Account {
  deposit(amount: number): void
  withdraw(amount: number): number
  balance(): number
}

function account() {
  return () => {
    let balance = 0
    return {
      deposit(amount: number) {
        balance += amount
      },
      withdraw(amount: number) {
        if (amount > balance) throw new RangeError(`cannot withdraw ${amount}, balance ${balance}`)
        balance -= amount
        return balance
      },
      balance: () => balance,
    }
  }
}

describe('tell and ask', () => {
  test('tell is handled after the sender continues; ask resolves with the reply', async () => {
    const sys = system()
    const seen: string[] = []
    const ref = sys.spawn(() => ({ note: (what: string) => void seen.push(what) }))
    ref.tell('note', 'a')
    seen.push('sender')
    await flush(sys)
    expect(seen).toEqual(['sender', 'a'])
  })

  test('messages are handled in the order they were sent', async () => {
    const sys = system()
    const seen: number[] = []
    const ref = sys.spawn(() => ({ add: (n: number) => void seen.push(n), all: () => [...seen] }))
    for (let i = 0; i < 100; i++) ref.tell('add', i)
    expect(await ref.ask('all')).toEqual(Array.from({ length: 100 }, (_, i) => i))
  })

  test('a typed protocol: spawn<Account> and an account that throws on overdraft', async () => {
    const sys = system()
    const acc = sys.spawn<Account>(account())
    acc.tell('deposit', 50)
    expect(await acc.ask('withdraw', 20)).toBe(30)
    const error = await acc.ask('withdraw', 100).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RangeError)
    expect((error as Error).message).toBe('cannot withdraw 100, balance 30')
  })

  test('async handlers are awaited: a second message never starts before the first settles', async () => {
    const sys = system()
    const gate = deferred()
    const log: string[] = []
    const ref = sys.spawn(() => ({
      async slow() {
        log.push('slow start')
        await gate.promise
        log.push('slow end')
      },
      fast: () => void log.push('fast'),
    }))
    ref.tell('slow')
    ref.tell('fast')
    await flush(sys)
    expect(log).toEqual(['slow start'])
    gate.resolve()
    await flush(sys)
    expect(log).toEqual(['slow start', 'slow end', 'fast'])
  })

  test('no lost updates: 10,000 concurrent asks on a handler that awaits between read and write', async () => {
    const sys = system()
    const ref = sys.spawn(
      () => {
        let value = 0
        return {
          async increment() {
            const read = value
            await Promise.resolve()
            await new Promise<void>((resolve) => queueMicrotask(resolve))
            value = read + 1
            return value
          },
          get: () => value,
        }
      },
      { mailbox: { capacity: 10_000 } },
    )
    const replies = await Promise.all(Array.from({ length: 10_000 }, () => ref.ask('increment')))
    expect(await ref.ask('get')).toBe(10_000)
    // Each ask got its own step: the replies are 1..10000 in send order.
    expect(replies).toEqual(Array.from({ length: 10_000 }, (_, i) => i + 1))
  })

  test('the same 10,000 asks through a small suspending mailbox all resolve', async () => {
    const sys = system()
    const ref = sys.spawn(
      () => {
        let value = 0
        return {
          async increment() {
            const read = value
            await Promise.resolve()
            value = read + 1
          },
          get: () => value,
        }
      },
      { mailbox: { capacity: 10, overflow: 'suspend' } },
    )
    await Promise.all(Array.from({ length: 10_000 }, () => ref.ask('increment')))
    expect(await ref.ask('get')).toBe(10_000)
  })

  test('a message without a handler goes to dead letters; an ask for it rejects UNHANDLED', async () => {
    const sys = system()
    const letters: string[] = []
    sys.events.on('deadLetter', (letter) => letters.push(`${letter.name}:${letter.reason}`))
    const ref = sys.spawn(() => ({ known: () => 1 }))
    const loose = ref as unknown as { tell(n: string): void; ask(n: string): Promise<unknown> }
    loose.tell('unknown')
    const error = await loose.ask('toString').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ActorError)
    expect((error as ActorError).code).toBe('UNHANDLED')
    expect(letters).toEqual(['unknown:unhandled', 'toString:unhandled'])
    expect(await ref.ask('known')).toBe(1) // the actor carries on
  })

  test('a handler returning a thenable whose then() throws fails like a throwing handler', async () => {
    const sys = createActorSystem({ supervisor: { decide: 'resume' } })
    systems.push(sys)
    const failures: string[] = []
    sys.events.on('failed', (_ref, error, directive) => failures.push(`${error} ${directive}`))
    const ref = sys.spawn(() => ({
      odd: () => ({
        // biome-ignore lint/suspicious/noThenProperty: the point of the test
        then() {
          throw new Error('then broke')
        },
      }),
      ok: () => 1,
    }))
    await expect(ref.ask('odd')).rejects.toThrow('then broke')
    expect(await ref.ask('ok')).toBe(1) // the loop carries on
    expect(failures).toEqual(['Error: then broke resume'])
  })

  test('an async behavior: messages wait until it returns the handlers', async () => {
    const sys = system()
    const ready = deferred<number>()
    const ref = sys.spawn(async () => {
      const initial = await ready.promise
      return { get: () => initial }
    })
    const reply = ref.ask('get')
    ready.resolve(42)
    expect(await reply).toBe(42)
  })

  test('a behavior that returns no object fails with a TypeError naming the actor', async () => {
    const sys = createActorSystem({ supervisor: { decide: 'stop' } })
    systems.push(sys)
    const errors: unknown[] = []
    sys.events.on('failed', (_ref, error) => errors.push(error))
    const ref = sys.spawn((() => 42) as never, { name: 'bad' })
    await flush(sys)
    expect(String(errors[0])).toBe(
      'TypeError: the behavior of /bad must return an object of handlers, got number',
    )
    expect(sys.stats(ref)?.status).toBe('stopped')
  })
})

describe('ask options', () => {
  test('timeout on the system clock rejects with ActorError TIMEOUT and skips the message', async () => {
    const kit = createTestKit()
    const gate = deferred()
    let handled = 0
    const ref = kit.system.spawn(() => ({
      block: () => gate.promise,
      count: () => void handled++,
    }))
    ref.tell('block')
    const reply = ref.ask('count', undefined, { timeout: 100 })
    const outcome = reply.catch((e: unknown) => e)
    await kit.clock.advance(99)
    expect(kit.clock.pending).toBe(1)
    await kit.clock.advance(1)
    const error = await outcome
    expect(error).toBeInstanceOf(ActorError)
    expect((error as ActorError).code).toBe('TIMEOUT')
    expect((error as ActorError).message).toBe('ask "count" to /$1 timed out after 100 ms')
    gate.resolve()
    await kit.flush()
    expect(handled).toBe(0) // the asker gave up before it started: never handled
    await kit.system.shutdown()
  })

  test('an AbortSignal rejects with ABORTED (cause: the reason); an aborted one at once', async () => {
    const sys = system()
    const gate = deferred()
    const ref = sys.spawn(() => ({ block: () => gate.promise, get: () => 1 }))
    ref.tell('block')
    const controller = new AbortController()
    const reply = ref.ask('get', undefined, { signal: controller.signal }).catch((e: unknown) => e)
    controller.abort('enough')
    const error = (await reply) as ActorError
    expect(error.code).toBe('ABORTED')
    expect(error.cause).toBe('enough')
    const early = await ref.ask('get', undefined, { signal: AbortSignal.abort() }).catch((e) => e)
    expect((early as ActorError).code).toBe('ABORTED')
    gate.resolve()
    expect(await ref.ask('get', undefined, { timeout: 1000 })).toBe(1)
  })

  test('bad options throw a TypeError naming the option', () => {
    const sys = system()
    const ref = sys.spawn(() => ({ get: () => 1 }))
    expect(() => ref.ask('get', undefined, { timeout: -1 })).toThrow(
      'options.timeout must be a non-negative number of ms, got -1',
    )
    expect(() => ref.ask('get', undefined, { signal: {} as AbortSignal })).toThrow(
      'options.signal must be an AbortSignal',
    )
  })
})

describe('names, paths and hierarchy', () => {
  test('named and generated names, paths, lookup by name and by path', async () => {
    const sys = createActorSystem({ id: 'bank' })
    systems.push(sys)
    let childRef: unknown
    const parent = sys.spawn(
      (ctx) => {
        childRef = ctx.spawn(() => ({ ping: () => 'pong' }), { name: 'teller' })
        ctx.spawn(() => ({}))
        return { children: () => ctx.children.map((c) => c.path) }
      },
      { name: 'branch' },
    )
    expect(parent.path).toBe('/branch')
    expect(String(parent)).toBe('actor://bank/branch')
    expect(await parent.ask('children')).toEqual(['/branch/teller', '/branch/$3'])
    expect(sys.lookup('branch')).toBe(parent)
    expect(sys.lookup('/branch')).toBe(parent)
    const teller = sys.lookup<{ ping(): string }>('/branch/teller')
    expect(teller).toBe(childRef)
    expect(await teller?.ask('ping')).toBe('pong')
    expect(sys.lookup('/branch/nobody')).toBeUndefined()
    expect(sys.lookup('/nowhere/teller')).toBeUndefined()
  })

  test('a taken name throws; the name is free again once the actor has terminated', async () => {
    const sys = system()
    const first = sys.spawn(() => ({}), { name: 'unique' })
    expect(() => sys.spawn(() => ({}), { name: 'unique' })).toThrow(
      'an actor named "unique" already exists at /unique',
    )
    await sys.stop(first)
    const second = sys.spawn(() => ({ v: () => 2 }), { name: 'unique' })
    expect(second).not.toBe(first)
    expect(sys.lookup('unique')).toBe(second)
    // The old ref does not reach the new actor: it was another incarnation.
    const error = await first.ask('v' as never).catch((e: ActorError) => e)
    expect((error as ActorError).code).toBe('STOPPED')
  })

  test('bad names are refused with the reason', () => {
    const sys = system()
    expect(() => sys.spawn(() => ({}), { name: 'a/b' })).toThrow('must not contain "/"')
    expect(() => sys.spawn(() => ({}), { name: '$x' })).toThrow('must not start with "$"')
    expect(() => sys.spawn(() => ({}), { name: '' })).toThrow('non-empty string')
    expect(() => sys.spawn(42 as never)).toThrow('spawn() takes a behavior function, got number')
  })

  test('ctx: self, name, parent, child; stopping a parent stops its children first', async () => {
    const sys = system()
    const order: string[] = []
    sys.events.on('stopped', (ref) => order.push(ref.path))
    const parent = sys.spawn(
      (ctx) => {
        const child = ctx.spawn(
          (childCtx) => ({
            whoami: () => [childCtx.name, childCtx.parent?.path, childCtx.self.path],
          }),
          { name: 'kid' },
        )
        return {
          kid: () => ctx.child('kid') === child,
          ask: () => child.ask('whoami'),
        }
      },
      { name: 'p' },
    )
    expect(await parent.ask('kid')).toBe(true)
    expect(await parent.ask('ask')).toEqual(['kid', '/p', '/p/kid'])
    await sys.stop(parent)
    expect(order).toEqual(['/p/kid', '/p'])
    expect(sys.lookup('/p/kid')).toBeUndefined()
  })

  test('spawn after shutdown throws', async () => {
    const sys = createActorSystem()
    await sys.shutdown()
    expect(() => sys.spawn(() => ({}))).toThrow(/is shut down/)
  })
})
