/**
 * The bank demo (`pnpm --filter @entangle/examples start:bank`): a thousand concurrent transfers
 * without a lost update, an account flooded past its mailbox, and death watch on a closed account.
 */
import type { ActorError, ActorRef } from '@entangle/actors'
import { type Account, openBank, transfer } from './bank.ts'

const { system, branch } = openBank()
const open = (owner: string) => branch.ask('open', { owner, deposit: 1000 })
const [alice, bob, carol, dave] = [
  await open('alice'),
  await open('bob'),
  await open('carol'),
  await open('dave'),
]
const accounts = [alice, bob, carol, dave]

console.log('1. 1000 transfers at once between 4 accounts of 1000 each')
let seed = 42 // a fixed seed: every run makes the same transfers
const pick = (n: number) => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff
  return (seed >>> 16) % n
}
const plan = Array.from({ length: 1000 }, () => {
  const from = pick(4)
  const to = (from + 1 + pick(3)) % 4 // another account
  return {
    from: accounts[from] as ActorRef<Account>,
    to: accounts[to] as ActorRef<Account>,
    amount: 1 + pick(8),
  }
})
const pending = plan.map(({ from, to, amount }) => transfer(from, to, amount))
const waiting = system.stats(alice)?.waiting
console.log(`   alice's mailbox holds 64 messages; ${waiting} more senders wait (policy suspend)`)
const moved = await Promise.all(pending)
console.log(
  `   ${moved.filter(Boolean).length} moved money, ${moved.filter((ok) => !ok).length} were refused for lack of funds`,
)
const balances = await Promise.all(accounts.map((account) => account.ask('balance')))
console.log(`   balances ${balances.join(' + ')} = ${balances.reduce((a, b) => a + b)}`)
// Replaying the transfers that went through, on plain numbers, gives the same balances.
const replayed = new Map(accounts.map((account) => [account, 1000]))
plan.forEach(({ from, to, amount }, i) => {
  if (!moved[i]) return
  replayed.set(from, (replayed.get(from) ?? 0) - amount)
  replayed.set(to, (replayed.get(to) ?? 0) + amount)
})
const same = accounts.every((account, i) => replayed.get(account) === balances[i])
console.log(
  `   replaying them one by one gives ${same ? 'the same balances: no update was lost' : 'OTHER balances'}`,
)

console.log('\n2. 200 tips at once to a jar whose mailbox holds 50 (policy reject)')
const jar = await branch.ask('open', {
  owner: 'tips',
  deposit: 0,
  mailbox: { capacity: 50, overflow: 'reject' },
})
let deadLetters = 0
system.events.on('deadLetter', () => deadLetters++)
const tips = await Promise.allSettled(Array.from({ length: 200 }, () => jar.ask('deposit', 1)))
const refused = tips.filter((tip) => tip.status === 'rejected')
const codes = new Set(refused.map((tip) => (tip.reason as ActorError).code))
console.log(
  `   ${tips.length - refused.length} accepted, ${refused.length} refused with ${[...codes]}`,
)
console.log(`   jar balance ${await jar.ask('balance')}, dead letters ${deadLetters}`)
console.log(`   jar stats ${JSON.stringify(system.stats(jar))}`)

console.log('\n3. bob closes his account; the branch watches it')
const closed = new Promise<string>((resolve) => system.watch(bob, ({ reason }) => resolve(reason)))
console.log(`   bob is paid out ${await bob.ask('close')}`)
console.log(`   system.watch saw bob terminate: ${await closed}`)
console.log(`   the branch's death watch saw: ${await branch.ask('closures')}`)
const before = await alice.ask('balance')
const failed = await transfer(alice, bob, 10).catch((error: ActorError) => error.code)
console.log(
  `   alice -> bob now fails with ${failed}; alice has ${await alice.ask('balance')} (had ${before})`,
)

await system.shutdown()
