/**
 * The test kit itself: the manual clock, flush, probes and `terminated`.
 */
import { expect, test } from 'vitest'
import { type ActorRef, createActorSystem } from '../../src/actors/index'
import { createManualClock, createProbe, createTestKit, flush, terminated } from '../../src/testing'

test('the manual clock fires due timers in time order, then in the order they were set', async () => {
  const clock = createManualClock({ start: 1000 })
  const fired: string[] = []
  clock.setTimeout(() => fired.push('b@50'), 50)
  clock.setTimeout(() => fired.push('a@10'), 10)
  clock.setTimeout(() => fired.push('c@50'), 50)
  const cleared = clock.setTimeout(() => fired.push('never'), 20)
  clock.clearTimeout(cleared)
  clock.setTimeout(() => {
    fired.push('d@30')
    clock.setTimeout(() => fired.push('e@40, set by d'), 10)
  }, 30)
  expect(clock.now()).toBe(1000)
  await clock.advance(49)
  expect(fired).toEqual(['a@10', 'd@30', 'e@40, set by d'])
  expect(clock.now()).toBe(1049)
  await clock.advance(1)
  expect(fired).toEqual(['a@10', 'd@30', 'e@40, set by d', 'b@50', 'c@50'])
  expect(clock.pending).toBe(0)
  await expect(clock.advance(-1)).rejects.toThrow('advance() takes a non-negative number of ms')
})

test('flush rejects, naming the actors, when they keep messaging each other forever', async () => {
  const system = createActorSystem()
  type Ball = { ball(to: ActorRef<Ball>): void }
  const behavior = (ctx: { self: ActorRef<Ball> }) => ({
    ball: (to: ActorRef<Ball>) => void to.tell('ball', ctx.self),
  })
  const ping = system.spawn<Ball>(behavior, { name: 'ping' })
  const pong = system.spawn<Ball>(behavior, { name: 'pong' })
  ping.tell('ball', pong)
  await expect(flush(system)).rejects.toThrow(
    /^flush\(\): actors still busy after 1000 rounds: \/p[io]ng/,
  )
  await system.shutdown()
})

test('probes record every message; next() flushes; expectNoMessage() checks', async () => {
  const kit = createTestKit()
  const probe = createProbe<{ result(n: number): void; sum(n: number): number }>(kit.system, {
    reply: (name, payload) => (name === 'sum' ? (payload as number) * 2 : undefined),
  })
  const adder = kit.system.spawn(() => ({
    add: ({ a, b, to }: { a: number; b: number; to: typeof probe.ref }) => to.tell('result', a + b),
  }))
  adder.tell('add', { a: 2, b: 3, to: probe.ref })
  expect(await probe.next()).toEqual({ name: 'result', payload: 5 })
  await probe.expectNoMessage()
  await expect(probe.next()).rejects.toThrow(/received no message \(1 taken so far\)/)
  expect(await probe.ref.ask('sum', 21)).toBe(42)
  await expect(probe.expectNoMessage()).rejects.toThrow(/received "sum" but expected no message/)
  expect(probe.messages.map((m) => m.name)).toEqual(['result', 'sum'])
})

test('terminated resolves with the notice', async () => {
  const kit = createTestKit()
  const ref = kit.system.spawn(() => ({}))
  const notice = terminated(kit.system, ref)
  await kit.system.stop(ref)
  expect(await notice).toEqual({ ref, reason: 'stopped' })
})
