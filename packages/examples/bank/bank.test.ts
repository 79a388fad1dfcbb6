/**
 * The bank: concurrent transfers keep every balance exact, a full mailbox refuses and counts,
 * death watch reports a closed account, and a bad request never resets a balance.
 */
import type { ActorError, ActorRef, ActorSystem, DeadLetter } from '@entangle/actors'
import { afterEach, beforeEach, expect, test } from 'vitest'
import { type Account, type Branch, openBank, transfer } from './bank.ts'

let system: ActorSystem
let branch: ActorRef<Branch>
beforeEach(() => {
  const bank = openBank('bank-test')
  system = bank.system
  branch = bank.branch
})
afterEach(() => system.shutdown())

const open = (owner: string, deposit: number) => branch.ask('open', { owner, deposit })

/** A small deterministic random number generator (a linear congruential one). */
function randomness(seed: number): (n: number) => number {
  return (n) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff
    return (seed >>> 16) % n
  }
}

test('2000 concurrent transfers: no lost update, the sum is unchanged', async () => {
  const accounts = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((owner) => open(owner, 500)))
  const random = randomness(1)
  const plan = Array.from({ length: 2000 }, () => {
    const from = random(5)
    return { from, to: (from + 1 + random(4)) % 5, amount: 1 + random(6) }
  })
  const pending = plan.map(({ from, to, amount }) =>
    transfer(accounts[from] as ActorRef<Account>, accounts[to] as ActorRef<Account>, amount),
  )
  // More senders than a mailbox holds: the rest wait for room (policy suspend), none is lost.
  const stats = accounts.map((account) => system.stats(account))
  expect(stats.every((s) => s?.mailbox === 64)).toBe(true)
  expect(stats.reduce((sum, s) => sum + (s?.waiting ?? 0), 0)).toBe(2000 - 5 * 64)

  const moved = await Promise.all(pending)
  // Both kinds happened: transfers that moved money and transfers refused for lack of funds.
  expect(moved).toContain(true)
  expect(moved).toContain(false)
  const balances = await Promise.all(accounts.map((account) => account.ask('balance')))
  expect(balances.reduce((a, b) => a + b)).toBe(2500)
  // Replaying the transfers that went through, one by one, gives exactly the same balances.
  const replayed = [500, 500, 500, 500, 500]
  plan.forEach(({ from, to, amount }, i) => {
    if (!moved[i]) return
    replayed[from] = (replayed[from] as number) - amount
    replayed[to] = (replayed[to] as number) + amount
  })
  expect(balances).toEqual(replayed)
  expect(balances.every((balance) => balance >= 0)).toBe(true)
})

test('a transfer beyond the balance moves nothing', async () => {
  const [a, b] = await Promise.all([open('a', 10), open('b', 0)])
  expect(await transfer(a, b, 11)).toBe(false)
  expect(await transfer(a, b, 10)).toBe(true)
  expect([await a.ask('balance'), await b.ask('balance')]).toEqual([0, 10])
})

test('a full mailbox with policy reject refuses the excess, and counts it', async () => {
  const jar = await branch.ask('open', {
    owner: 'jar',
    deposit: 1,
    mailbox: { capacity: 50, overflow: 'reject' },
  })
  const letters: DeadLetter[] = []
  system.events.on('deadLetter', (letter) => letters.push(letter))
  const tips = await Promise.allSettled(Array.from({ length: 200 }, () => jar.ask('deposit', 1)))
  const refused = tips.filter((tip) => tip.status === 'rejected')
  expect(refused).toHaveLength(150)
  expect(refused.every((tip) => (tip.reason as ActorError).code === 'MAILBOX_FULL')).toBe(true)
  expect(await jar.ask('balance')).toBe(51)
  expect(system.stats(jar)).toMatchObject({ dropped: 150, mailbox: 0, status: 'running' })
  expect(letters).toHaveLength(150)
  expect(letters.every((l) => l.reason === 'mailbox-full' && l.name === 'deposit')).toBe(true)
  // A tell to the full mailbox throws at once.
  const tells = Array.from({ length: 51 }, () => {
    try {
      jar.tell('deposit', 1)
      return 'sent'
    } catch (error) {
      return (error as ActorError).code
    }
  })
  expect(tells.filter((t) => t === 'sent')).toHaveLength(50)
  expect(tells.at(-1)).toBe('MAILBOX_FULL')
})

test('death watch: closing an account notifies its watchers; transfers to it are refunded', async () => {
  const [alice, bob] = await Promise.all([open('alice', 100), open('bob', 40)])
  const notice = new Promise((resolve) => system.watch(bob, resolve))
  expect(await bob.ask('close')).toBe(40)
  expect(await notice).toEqual({ ref: bob, reason: 'stopped' })
  expect(await branch.ask('closures')).toEqual(['bob (stopped)'])
  expect(system.lookup('/branch/bob')).toBeUndefined()

  await expect(transfer(alice, bob, 30)).rejects.toMatchObject({ code: 'STOPPED' })
  expect(await alice.ask('balance')).toBe(100)
  await expect(bob.ask('balance')).rejects.toMatchObject({ code: 'STOPPED' })
})

test('a bad amount is refused and the balance survives (the branch resumes its accounts)', async () => {
  const account = await open('carol', 70)
  await expect(account.ask('deposit', -5)).rejects.toThrow(
    'an amount must be a positive whole number, got -5',
  )
  await expect(account.ask('withdraw', 0.5)).rejects.toBeInstanceOf(RangeError)
  expect(await account.ask('balance')).toBe(70)
  expect(system.stats(account)).toMatchObject({ restarts: 0, status: 'running' })
})

test('a bad request to the branch is refused and closes no account (the system resumes it)', async () => {
  const alice = await open('alice', 100)
  await expect(open('dave', -1)).rejects.toThrow(
    'an amount must be a positive whole number, got -1',
  )
  await expect(open('alice', 5)).rejects.toThrow('an actor named "alice" already exists')
  expect(await alice.ask('balance')).toBe(100)
  expect(system.stats(branch)).toMatchObject({ restarts: 0, status: 'running' })
  expect(system.stats(alice)).toMatchObject({ restarts: 0, status: 'running' })
  expect(await branch.ask('closures')).toEqual([])
})
