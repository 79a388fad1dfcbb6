/**
 * Type tests of the actor layer: protocols, what tell and ask accept and return, spawn's
 * inference, the context, and that a local and a remote ref have the same type.
 */
import { describe, expectTypeOf, test } from 'vitest'
import {
  type ActorContext,
  type ActorRef,
  type ActorSystem,
  type AnyProtocol,
  createActorSystem,
  type RemoteSystem,
} from '../../src/actors/index'

interface Account {
  deposit(amount: number): void
  balance(): number
  statement(options?: { since: number }): Promise<string[]>
}

declare const system: ActorSystem
declare const account: ActorRef<Account>

describe('tell and ask', () => {
  test('tell takes the message name and its payload; anything else is a compile error', () => {
    account.tell('deposit', 10)
    account.tell('balance')
    account.tell('statement')
    account.tell('statement', { since: 1 })
    // @ts-expect-error an unknown message
    account.tell('withdraw', 10)
    // @ts-expect-error a payload of the wrong type
    account.tell('deposit', '10')
    // @ts-expect-error a missing payload
    account.tell('deposit')
    // @ts-expect-error a payload for a message without one
    account.tell('balance', 1)
    expectTypeOf(account.tell('balance')).toEqualTypeOf<Promise<void> | undefined>()
  })

  test('ask returns the reply type of that message (awaited), options after the payload', () => {
    expectTypeOf(account.ask('balance')).toEqualTypeOf<Promise<number>>()
    expectTypeOf(account.ask('deposit', 5)).toEqualTypeOf<Promise<void>>()
    expectTypeOf(account.ask('statement')).toEqualTypeOf<Promise<string[]>>()
    account.ask('balance', undefined, { timeout: 100 })
    account.ask('deposit', 5, { signal: AbortSignal.timeout(10) })
    account.ask('statement', { since: 2 }, { timeout: 1 })
    // @ts-expect-error an unknown message
    account.ask('withdraw', 1)
    // @ts-expect-error a payload of the wrong type
    account.ask('deposit', 'x')
    // @ts-expect-error options must be an AskOptions
    account.ask('balance', undefined, { timeout: '1' })
  })
})

describe('spawn', () => {
  test('the protocol is inferred from the handlers when none is named', () => {
    const counter = system.spawn(() => {
      let n = 0
      return {
        add(k: number) {
          n += k
        },
        get: () => n,
        later: async () => 'x',
      }
    })
    counter.tell('add', 1)
    expectTypeOf(counter.ask('get')).toEqualTypeOf<Promise<number>>()
    expectTypeOf(counter.ask('later')).toEqualTypeOf<Promise<string>>()
    // @ts-expect-error not a message of the inferred protocol
    counter.tell('sub', 1)
  })

  test('inference copes with methods and arrows mixed, and with async behaviors', () => {
    const seen: number[] = []
    const mixed = system.spawn(() => ({
      boom() {
        throw new Error('boom')
      },
      put: (n: number) => void seen.push(n),
    }))
    mixed.tell('put', 1)
    // @ts-expect-error a payload of the wrong type
    mixed.tell('put', 'x')
    const later = system.spawn(async () => ({
      deposit(amount: number) {
        seen.push(amount)
      },
      twice: (n: number) => n * 2,
    }))
    expectTypeOf(later.ask('twice', 2)).toEqualTypeOf<Promise<number>>()
    // @ts-expect-error not a message of the inferred protocol
    later.tell('withdraw', 1)
    const account: ActorRef<Account> = system.spawn(() => ({
      deposit(_amount: number) {},
      balance: () => 1,
      statement: async (_options?: { since: number }) => ['x'],
    }))
    void account
  })

  test('a named protocol: the handlers must match it (sync or async), ctx.self is typed', () => {
    const ref = system.spawn<Account>((ctx) => {
      expectTypeOf(ctx.self).toEqualTypeOf<ActorRef<Account>>()
      ctx.after(100, 'deposit', 1)
      // @ts-expect-error timers only send messages of the actor's own protocol
      ctx.after(100, 'withdraw', 1)
      return {
        deposit(amount) {
          expectTypeOf(amount).toEqualTypeOf<number>()
        },
        balance: async () => 1,
        statement: async () => [],
      }
    })
    expectTypeOf(ref).toEqualTypeOf<ActorRef<Account>>()
    // @ts-expect-error balance must reply a number
    system.spawn<Account>(() => ({ deposit() {}, balance: () => 'one', statement: async () => [] }))
    // @ts-expect-error a handler is missing
    system.spawn<Account>(() => ({ deposit() {} }))
  })

  test('handlers take at most one argument: the payload', () => {
    // @ts-expect-error two arguments
    system.spawn(() => ({ move: (x: number, y: number) => x + y }))
  })

  test('with an inferred protocol and a ctx, ctx.self is loosely typed', () => {
    system.spawn((ctx) => {
      expectTypeOf(ctx).toEqualTypeOf<ActorContext<AnyProtocol>>()
      ctx.self.tell('anything', 1)
      return { ping: () => 'pong' }
    })
  })
})

describe('refs', () => {
  test('a remote ref has the same type as a local one', async () => {
    const remote = {} as RemoteSystem
    const found = await remote.lookup<Account>('/account')
    expectTypeOf(found).toEqualTypeOf<ActorRef<Account> | undefined>()
    const local = createActorSystem().lookup<Account>('/account')
    expectTypeOf(local).toEqualTypeOf<typeof found>()
  })

  test('refs are covariant: more messages fit where fewer are needed, not the other way', () => {
    const wide = {} as ActorRef<Account>
    const narrow: ActorRef<Pick<Account, 'deposit'>> = wide
    void narrow
    // @ts-expect-error a ref lacking `balance` is not an Account ref
    const notWide: ActorRef<Account> = {} as ActorRef<Pick<Account, 'deposit'>>
    void notWide
    const any: ActorRef = wide
    void any
    // @ts-expect-error a ref whose deposit takes a string is not an Account ref
    const other: ActorRef<Account> = {} as ActorRef<{
      deposit(a: string): void
      balance(): number
      statement(): Promise<string[]>
    }>
    void other
  })
})
