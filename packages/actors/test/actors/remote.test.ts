/**
 * Location transparency: two actor systems over one port pair (an @entangle/core channel and a
 * node:worker_threads channel) address each other's actors with the same ActorRef type; refs
 * travel inside messages as addresses; ask works across with timeout and cancellation.
 */
import { afterEach, describe, expect, test } from 'vitest'
import {
  ActorError,
  type ActorRef,
  type ActorSystem,
  type ActorSystemOptions,
  createActorSystem,
  type RemoteSystem,
} from '../../src/actors/index'
import { createManualClock } from '../../src/testing'
import { deferred, kinds, type Pair, tick, until } from '../helpers'

const systems: ActorSystem[] = []
afterEach(async () => {
  await Promise.all(systems.splice(0).map((s) => s.shutdown()))
})

function connected(pair: Pair, optionsA: ActorSystemOptions = {}) {
  const a = createActorSystem({ id: 'a', ...optionsA })
  const b = createActorSystem({ id: 'b' })
  systems.push(a, b)
  const errors: Error[] = []
  const toB = a.connect(pair.a, { onError: (e) => errors.push(e) })
  const toA = b.connect(pair.b, { onError: (e) => errors.push(e) })
  return { a, b, toB, toA, errors }
}

interface Bank {
  open(owner: string): ActorRef<Account>
  balanceOf(account: ActorRef<Account>): number
}
interface Account {
  deposit(amount: number): void
  balance(): number
  fail(message: string): void
  slow(): string
}

function account() {
  return () => {
    let balance = 0
    return {
      deposit(amount: number) {
        balance += amount
      },
      balance: () => balance,
      fail(message: string): void {
        throw new RangeError(message)
      },
      slow: () => 'done',
    }
  }
}

describe.each(kinds)('over $name', ({ pair }) => {
  test('lookup, tell and ask across the boundary with the same ActorRef type', async () => {
    const { a, b, toB } = connected(pair())
    const local = b.spawn<Account>(account(), { name: 'acc' })
    const remote = (await toB.lookup<Account>('/acc')) as ActorRef<Account>
    expect(remote.path).toBe('/acc')
    expect(remote.systemId).toBe('b')
    expect(String(remote)).toBe('actor://b/acc')
    // One function for both refs: the type does not say where the actor is.
    const depositTwice = async (ref: ActorRef<Account>) => {
      ref.tell('deposit', 10)
      ref.tell('deposit', 5)
      return ref.ask('balance')
    }
    expect(await depositTwice(remote)).toBe(15)
    expect(await depositTwice(local)).toBe(30)
    expect(await toB.lookup('/nobody')).toBeUndefined()
    expect(toB.id).toBe('b')
    expect(a.stats(remote)).toBeUndefined() // counters are for local actors
  })

  test('refs inside messages travel as addresses and come back as the same ref', async () => {
    const { a, b, toB } = connected(pair())
    b.spawn<Bank>(
      (ctx) => ({
        open: (owner: string) => ctx.spawn<Account>(account(), { name: owner }),
        balanceOf: (acc: ActorRef<Account>) => acc.ask('balance'),
      }),
      { name: 'bank' },
    )
    const bank = (await toB.lookup<Bank>('bank')) as ActorRef<Bank>
    const acc = await bank.ask('open', 'ada')
    expect(acc.path).toBe('/bank/ada')
    acc.tell('deposit', 42)
    expect(await bank.ask('balanceOf', acc)).toBe(42)
    // A local ref sent to the peer and back is the very same object.
    const mine = a.spawn(() => ({ hello: () => 'from a' }))
    const echo = b.spawn(() => ({ echo: (value: { refs: unknown[] }) => value }), { name: 'echo' })
    const remoteEcho = (await toB.lookup('echo')) as typeof echo
    const back = (await remoteEcho.ask('echo', { refs: [mine, mine] })) as { refs: unknown[] }
    expect(back.refs[0]).toBe(mine)
    expect(back.refs[1]).toBe(mine)
  })

  test('a remote actor replies through a ref it was sent (reply-to)', async () => {
    const { a, b, toB } = connected(pair())
    b.spawn(
      () => ({
        greet: ({
          name,
          replyTo,
        }: {
          name: string
          replyTo: ActorRef<{ greeted(t: string): void }>
        }) => replyTo.tell('greeted', `hello ${name}`),
      }),
      { name: 'greeter' },
    )
    const greeted = deferred<string>()
    const inbox = a.spawn(() => ({ greeted: (text: string) => greeted.resolve(text) }))
    const greeter = (await toB.lookup('greeter')) as ActorRef<{
      greet(m: { name: string; replyTo: typeof inbox }): void
    }>
    greeter.tell('greet', { name: 'ada', replyTo: inbox })
    expect(await greeted.promise).toBe('hello ada')
  })

  test('errors cross with their class; actor failures arrive as ActorError codes', async () => {
    const { b, toB } = connected(pair())
    b.spawn<Account>(account(), { name: 'acc' })
    b.spawn(() => ({ put: () => new Promise(() => {}) }), {
      name: 'full',
      mailbox: { capacity: 1, overflow: 'reject' },
    })
    const acc = (await toB.lookup<Account>('acc')) as ActorRef<Account>
    const thrown = await acc.ask('fail', 'no funds').catch((e: unknown) => e)
    expect(thrown).toBeInstanceOf(RangeError)
    expect((thrown as Error).message).toBe('no funds')
    const unhandled = await (acc as unknown as ActorRef<{ nope(): void }>)
      .ask('nope')
      .catch((e: ActorError) => e)
    expect(unhandled).toBeInstanceOf(ActorError)
    expect(unhandled).toMatchObject({ code: 'UNHANDLED' })
    const full = (await toB.lookup<{ put(): void }>('full')) as ActorRef<{ put(): void }>
    full.tell('put') // in progress forever
    full.tell('put') // fills the mailbox
    await expect(full.ask('put')).rejects.toMatchObject({ code: 'MAILBOX_FULL' })
    await b.stop(b.lookup('acc') as ActorRef)
    await expect(acc.ask('balance')).rejects.toMatchObject({ code: 'STOPPED' })
  })

  test('1,000 concurrent asks answered out of order each get their own reply', async () => {
    const { b, toB } = connected(pair())
    const gates: Array<() => void> = []
    b.spawn(
      () => ({
        // Replies to odd numbers wait until every ask has arrived; even ones come at once.
        echo: (n: number) =>
          n % 2 === 0 ? n : new Promise<number>((resolve) => gates.push(() => resolve(n))),
      }),
      { name: 'echo', mailbox: { capacity: Number.POSITIVE_INFINITY } },
    )
    // Many actors, so the slow replies do not hold up the fast ones.
    const echo = (await toB.lookup<{ echo(n: number): number }>('echo')) as ActorRef<{
      echo(n: number): number
    }>
    const workers = await Promise.all(
      Array.from({ length: 10 }, async (_, w) => {
        b.spawn(() => ({ echo: (n: number) => n }), { name: `w${w}` })
        return (await toB.lookup<{ echo(n: number): number }>(`w${w}`)) as typeof echo
      }),
    )
    const slow = Array.from({ length: 50 }, (_, i) => echo.ask('echo', 2 * i + 1))
    const fast = Array.from({ length: 1000 }, (_, i) =>
      (workers[i % 10] as typeof echo).ask('echo', i),
    )
    expect(await Promise.all(fast)).toEqual(Array.from({ length: 1000 }, (_, i) => i))
    // The actor handles one at a time: one gate at a time opens, each releasing the next ask.
    for (let i = 0; i < 50; i++) {
      expect(await until(() => gates.length === 1)).toBe(true)
      ;(gates.shift() as () => void)()
    }
    expect(await Promise.all(slow)).toEqual(Array.from({ length: 50 }, (_, i) => 2 * i + 1))
  })

  test('an ask pending while hundreds of later asks come and go still gets its reply', async () => {
    const { b, toB } = connected(pair())
    const gate = deferred()
    b.spawn(
      () => ({
        async wait() {
          await gate.promise
          return 'late'
        },
      }),
      { name: 'slow' },
    )
    b.spawn(() => ({ echo: (n: number) => n }), { name: 'fast' })
    const slow = (await toB.lookup<{ wait(): string }>('slow')) as ActorRef<{ wait(): string }>
    const fast = (await toB.lookup<{ echo(n: number): number }>('fast')) as ActorRef<{
      echo(n: number): number
    }>
    const late = slow.ask('wait')
    // Later request ids wrap around the pending table onto the slot of the slow one.
    for (let i = 0; i < 200; i++) expect(await fast.ask('echo', i)).toBe(i)
    gate.resolve()
    expect(await late).toBe('late')
  })

  test('messages from the port: one at a time, in order with what the actor sends itself', async () => {
    const { b, toB } = connected(pair())
    const log: string[] = []
    const gate = deferred()
    b.spawn(
      (ctx) => ({
        first() {
          log.push('first')
          ctx.self.tell('own') // queued while 'first' runs, handled right after it
        },
        own: () => void log.push('own'),
        async slow() {
          log.push('slow start')
          await gate.promise
          log.push('slow end')
        },
        fast: () => void log.push('fast'),
      }),
      { name: 'log' },
    )
    type Log = { first(): void; slow(): void; fast(): void }
    const ref = (await toB.lookup<Log>('log')) as ActorRef<Log>
    ref.tell('first')
    expect(await until(() => log.length === 2)).toBe(true)
    expect(log).toEqual(['first', 'own'])
    ref.tell('slow')
    ref.tell('fast') // arrives while 'slow' awaits: it waits its turn
    expect(await until(() => log.length === 3)).toBe(true)
    await toB.lookup('log') // a round trip: 'fast' has arrived by now
    expect(log).toEqual(['first', 'own', 'slow start'])
    gate.resolve()
    expect(await until(() => log.length === 5)).toBe(true)
    expect(log).toEqual(['first', 'own', 'slow start', 'slow end', 'fast'])
  })

  test('a payload that cannot be cloned: ask rejects, tell throws, with a DataCloneError', async () => {
    const { b, toB } = connected(pair())
    b.spawn(() => ({ take: (_fn: unknown) => 1 }), { name: 't' })
    const t = (await toB.lookup<{ take(fn: unknown): number }>('t')) as ActorRef<{
      take(fn: unknown): number
    }>
    const error = await t.ask('take', () => {}).catch((e: unknown) => e)
    expect((error as Error).name).toBe('DataCloneError')
    expect(() => t.tell('take', () => {})).toThrow(/could not be cloned/)
    expect(await t.ask('take', 1)).toBe(1) // the link is unharmed
  })

  test('closing the link: pending asks reject DISCONNECTED, later messages are dead letters', async () => {
    const { a, b, toB } = connected(pair())
    b.spawn(() => ({ hang: () => new Promise(() => {}), ping: () => 'pong' }), { name: 'h' })
    const h = (await toB.lookup<{ hang(): void; ping(): string }>('h')) as ActorRef<{
      hang(): void
      ping(): string
    }>
    const events: string[] = []
    a.events.on('disconnected', (remote) => events.push(`a lost ${remote.id}`))
    b.events.on('disconnected', (remote) => events.push(`b lost ${remote.id}`))
    const letters: string[] = []
    a.events.on('deadLetter', (l) => letters.push(`${l.name} ${l.reason}`))
    const hanging = h.ask('hang').catch((e: ActorError) => e)
    await tick()
    toB.close()
    expect(await hanging).toMatchObject({ code: 'DISCONNECTED' })
    expect(toB.connected).toBe(false)
    h.tell('ping')
    await expect(h.ask('ping')).rejects.toMatchObject({ code: 'DISCONNECTED' })
    expect(letters).toEqual(['ping disconnected', 'ping disconnected'])
    await expect(toB.lookup('h')).rejects.toMatchObject({ code: 'DISCONNECTED' })
    expect(await until(() => events.length === 2)).toBe(true)
    expect(events.sort()).toEqual(['a lost b', 'b lost a'])
  })

  test('ask across with an AbortSignal: rejects ABORTED and the peer skips the message', async () => {
    const { b, toB } = connected(pair())
    const gate = deferred()
    let slowRuns = 0
    b.spawn(
      () => ({
        block: () => gate.promise,
        slow: () => {
          slowRuns++
          return 'done'
        },
      }),
      { name: 'w' },
    )
    b.spawn(() => ({ ping: () => 'pong' }), { name: 'other' })
    const w = (await toB.lookup<{ block(): void; slow(): string }>('w')) as ActorRef<{
      block(): void
      slow(): string
    }>
    const other = (await toB.lookup<{ ping(): string }>('other')) as ActorRef<{ ping(): string }>
    w.tell('block')
    const controller = new AbortController()
    const cancelled = w.ask('slow', undefined, { signal: controller.signal }).catch((e) => e)
    controller.abort()
    expect(await cancelled).toMatchObject({ code: 'ABORTED' })
    // Messages on one port arrive in order: once this reply is back, the CANCEL has arrived too.
    expect(await other.ask('ping')).toBe('pong')
    gate.resolve()
    expect(await w.ask('slow')).toBe('done')
    expect(slowRuns).toBe(1) // only the second ask ran
  })
})

test('ask across with a timeout on the manual clock; the peer skips the cancelled message', async () => {
  const clock = createManualClock()
  const { b, toB } = connected(kinds[1]?.pair() as Pair, { clock })
  const gate = deferred()
  let slowRuns = 0
  b.spawn(
    () => ({
      block: () => gate.promise,
      slow: () => void slowRuns++,
    }),
    { name: 'w' },
  )
  const w = (await toB.lookup<{ block(): void; slow(): void }>('w')) as ActorRef<{
    block(): void
    slow(): void
  }>
  w.tell('block')
  const outcome = w.ask('slow', undefined, { timeout: 500 }).catch((e: ActorError) => e)
  await clock.advance(499)
  expect(clock.pending).toBe(1)
  await clock.advance(1)
  const error = await outcome
  expect(error).toBeInstanceOf(ActorError)
  expect(error).toMatchObject({
    code: 'TIMEOUT',
    message: 'ask "slow" to /w timed out after 500 ms',
  })
  gate.resolve()
  await w.ask('slow')
  expect(slowRuns).toBe(1)
})

test('a ref to a system this one is not connected to dead-letters with "disconnected"', async () => {
  const [ab, bc] = [kinds[1]?.pair() as Pair, kinds[1]?.pair() as Pair]
  const a = createActorSystem({ id: 'a' })
  const b = createActorSystem({ id: 'b' })
  const c = createActorSystem({ id: 'c' })
  systems.push(a, b, c)
  const bToA = b.connect(ab.b)
  a.connect(ab.a)
  const bToC = b.connect(bc.a)
  c.connect(bc.b)
  c.spawn(() => ({ hi: () => 'hi' }), { name: 'x' })
  type Hi = { hi(): string }
  a.spawn(
    () => ({
      // a has no link to c: the ref it receives cannot reach c's actor.
      async keep(ref: ActorRef<Hi>) {
        const outcome = await ref.ask('hi').catch((e: ActorError) => e.code)
        return { ref, outcome }
      },
    }),
    { name: 'keeper' },
  )
  const letters: string[] = []
  a.events.on('deadLetter', (l) => letters.push(`${String(l.recipient)} ${l.reason}`))
  const inC = (await bToC.lookup<Hi>('x')) as ActorRef<Hi>
  type Keeper = { keep(r: ActorRef<Hi>): { ref: ActorRef<Hi>; outcome: unknown } }
  const keeper = (await bToA.lookup<Keeper>('keeper')) as ActorRef<Keeper>
  const { ref, outcome } = await keeper.ask('keep', inC)
  expect(outcome).toBe('DISCONNECTED')
  expect(letters).toEqual(['actor://c/x disconnected'])
  // Back in b, the address is c's actor again, reachable through b's own link to c.
  expect(await ref.ask('hi')).toBe('hi')
})

describe('protocol safety', () => {
  test('a peer with another protocol version is refused with a clear error', async () => {
    const { port1, port2 } = new (await import('@entangle/core')).MessageChannel()
    const a = createActorSystem({ id: 'a' })
    systems.push(a)
    const errors: Error[] = []
    const remote: RemoteSystem = a.connect(port1, { onError: (e) => errors.push(e) })
    port2.postMessage([0, 'entangle-actors', 99, 'z'])
    expect(await until(() => errors.length > 0)).toBe(true)
    expect(errors[0]?.message).toBe(
      'the peer speaks entangle-actors version 99, this side version 1',
    )
    expect(remote.connected).toBe(false)
  })

  test('malformed and foreign messages are reported through onError, never thrown', async () => {
    const { port1, port2 } = new (await import('@entangle/core')).MessageChannel()
    const a = createActorSystem({ id: 'a' })
    systems.push(a)
    const errors: string[] = []
    const remote = a.connect(port1, { onError: (e) => errors.push(e.message) })
    port2.postMessage('hello?')
    port2.postMessage([1, 1, '/x', 'tell before greeting', null])
    port2.postMessage({ k: 1, u: 1, p: '/x', n: 'tell before greeting', d: null })
    port2.postMessage([0, 'entangle-actors', 1, 'z'])
    port2.postMessage([1, 'not an id', '/x', 'n', null])
    // The object form of TELL, ASK and REPLY (what a core port carries uncloned) is checked too.
    port2.postMessage({ k: 1, u: 'not an id', p: '/x', n: 'n', d: null })
    port2.postMessage({ k: 2, u: 1, p: '/x', n: 'n', d: null, i: -1, c: 0 })
    port2.postMessage({ k: 3, i: 'no id', d: null })
    port2.postMessage({ k: 99 })
    port2.postMessage(null)
    port2.postMessage([99])
    expect(await until(() => errors.length === 10)).toBe(true)
    expect(errors).toEqual([
      'a message that is not an entangle-actors message arrived',
      'a message arrived before the greeting',
      'a message arrived before the greeting',
      'a malformed tell arrived',
      'a malformed tell arrived',
      'a malformed ask arrived',
      'a reply without a valid id arrived',
      'a message that is not an entangle-actors message arrived',
      'a message that is not an entangle-actors message arrived',
      'a malformed message of kind 99 arrived',
    ])
    expect(remote.connected).toBe(true)
    expect(remote.id).toBe('z')
  })

  test('a tell to an actor that does not exist (any more) is a dead letter on the receiving side', async () => {
    const { port1, port2 } = new (await import('@entangle/core')).MessageChannel()
    const b = createActorSystem({ id: 'b' })
    systems.push(b)
    b.connect(port2)
    const letters: string[] = []
    b.events.on('deadLetter', (l) => letters.push(`${l.recipient.path} ${l.name} ${l.reason}`))
    port1.postMessage([0, 'entangle-actors', 1, 'a'])
    port1.postMessage([1, 77, '/gone', 'hi', null])
    port1.postMessage({ k: 1, u: 78, p: '/gone-too', n: 'hello', d: null })
    expect(await until(() => letters.length === 2)).toBe(true)
    expect(letters).toEqual(['/gone hi stopped', '/gone-too hello stopped'])
  })
})
