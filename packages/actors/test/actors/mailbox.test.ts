/**
 * Bounded mailboxes: each overflow policy under 10x overload (exact drop counts, the mailbox
 * never above its capacity), dead letters with a reason, and every ask settling.
 */
import { afterEach, describe, expect, test } from 'vitest'
import {
  ActorError,
  type ActorSystem,
  createActorSystem,
  DEFAULT_MAILBOX_CAPACITY,
  type DeadLetter,
  type OverflowPolicy,
} from '../../src/actors/index'
import { flush } from '../../src/testing'

const CAPACITY = 100
const SENT = CAPACITY * 10

const systems: ActorSystem[] = []
afterEach(async () => {
  await Promise.all(systems.splice(0).map((s) => s.shutdown()))
})

/** A system, an actor with the given policy that records what it handles, and the dead letters. */
function setup(overflow: OverflowPolicy) {
  const system = createActorSystem()
  systems.push(system)
  const letters: DeadLetter[] = []
  system.events.on('deadLetter', (letter) => letters.push(letter))
  const handled: number[] = []
  let deepest = 0
  const ref = system.spawn(
    () => ({
      put(n: number) {
        handled.push(n)
        // The mailbox as the actor sees it while it works: never above the capacity.
        deepest = Math.max(deepest, system.stats(ref)?.mailbox ?? 0)
      },
      get: () => handled.length,
    }),
    { mailbox: { capacity: CAPACITY, overflow } },
  )
  return { system, ref, letters, handled, deepest: () => deepest }
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i)

describe('overflow policies under 10x overload', () => {
  test(`the default capacity is ${DEFAULT_MAILBOX_CAPACITY}, policy drop-newest`, async () => {
    const system = createActorSystem()
    systems.push(system)
    let handled = 0
    const ref = system.spawn(() => ({ put: () => void handled++ }))
    for (let i = 0; i < DEFAULT_MAILBOX_CAPACITY + 5; i++) ref.tell('put')
    expect(system.stats(ref)?.mailbox).toBe(DEFAULT_MAILBOX_CAPACITY)
    await flush(system)
    expect(handled).toBe(DEFAULT_MAILBOX_CAPACITY)
    expect(system.stats(ref)?.dropped).toBe(5)
  })

  test('reject: tell throws MAILBOX_FULL for each message beyond the capacity', async () => {
    const { system, ref, letters, handled, deepest } = setup('reject')
    let refused = 0
    for (let i = 0; i < SENT; i++) {
      try {
        ref.tell('put', i)
      } catch (error) {
        expect(error).toBeInstanceOf(ActorError)
        expect((error as ActorError).code).toBe('MAILBOX_FULL')
        refused++
      }
    }
    expect(system.stats(ref)?.mailbox).toBe(CAPACITY)
    await flush(system)
    expect(refused).toBe(SENT - CAPACITY)
    expect(handled).toEqual(range(0, CAPACITY))
    expect(letters.length).toBe(SENT - CAPACITY)
    expect(letters.every((l) => l.reason === 'mailbox-full' && !l.ask)).toBe(true)
    expect(letters.map((l) => l.payload)).toEqual(range(CAPACITY, SENT))
    expect(system.stats(ref)).toMatchObject({ dropped: SENT - CAPACITY, processed: CAPACITY })
    expect(deepest()).toBeLessThanOrEqual(CAPACITY)
  })

  test('drop-newest: the first messages are kept, the rest go to dead letters', async () => {
    const { system, ref, letters, handled, deepest } = setup('drop-newest')
    for (let i = 0; i < SENT; i++) expect(ref.tell('put', i)).toBeUndefined()
    expect(system.stats(ref)?.mailbox).toBe(CAPACITY)
    await flush(system)
    expect(handled).toEqual(range(0, CAPACITY))
    expect(letters.map((l) => l.payload)).toEqual(range(CAPACITY, SENT))
    expect(letters.every((l) => l.reason === 'dropped-newest')).toBe(true)
    expect(system.stats(ref)?.dropped).toBe(SENT - CAPACITY)
    expect(deepest()).toBeLessThanOrEqual(CAPACITY)
  })

  test('drop-oldest: the last messages are kept, the oldest go to dead letters', async () => {
    const { system, ref, letters, handled, deepest } = setup('drop-oldest')
    for (let i = 0; i < SENT; i++) expect(ref.tell('put', i)).toBeUndefined()
    expect(system.stats(ref)?.mailbox).toBe(CAPACITY)
    await flush(system)
    expect(handled).toEqual(range(SENT - CAPACITY, SENT))
    expect(letters.map((l) => l.payload)).toEqual(range(0, SENT - CAPACITY))
    expect(letters.every((l) => l.reason === 'dropped-oldest')).toBe(true)
    expect(system.stats(ref)?.dropped).toBe(SENT - CAPACITY)
    expect(deepest()).toBeLessThanOrEqual(CAPACITY)
  })

  test('suspend: tell returns a promise for each message beyond the capacity; none is lost', async () => {
    const { system, ref, letters, handled, deepest } = setup('suspend')
    const waits: Promise<void>[] = []
    for (let i = 0; i < SENT; i++) {
      const wait = ref.tell('put', i)
      if (wait !== undefined) waits.push(wait)
    }
    expect(waits.length).toBe(SENT - CAPACITY)
    expect(system.stats(ref)).toMatchObject({ mailbox: CAPACITY, waiting: SENT - CAPACITY })
    await Promise.all(waits)
    await flush(system)
    expect(handled).toEqual(range(0, SENT))
    expect(letters).toEqual([])
    expect(system.stats(ref)).toMatchObject({ dropped: 0, processed: SENT, mailbox: 0, waiting: 0 })
    expect(deepest()).toBeLessThanOrEqual(CAPACITY)
  })

  test('suspend: a sender awaiting each tell never has more than one message waiting', async () => {
    const { system, ref, handled } = setup('suspend')
    let mostWaiting = 0
    for (let i = 0; i < SENT; i++) {
      await ref.tell('put', i)
      mostWaiting = Math.max(mostWaiting, system.stats(ref)?.waiting ?? 0)
    }
    await flush(system)
    expect(handled).toEqual(range(0, SENT))
    expect(mostWaiting).toBe(0)
  })
})

describe('asks and overflow: every ask settles', () => {
  test.each([
    ['reject', 'MAILBOX_FULL'],
    ['drop-newest', 'DROPPED'],
  ] as const)('%s: asks beyond the capacity reject with %s', async (overflow, code) => {
    const { system, ref, letters } = setup(overflow)
    const asks = range(0, SENT).map((i) =>
      ref.ask('put', i).then(
        () => 'ok',
        (e: ActorError) => e.code,
      ),
    )
    const outcomes = await Promise.all(asks)
    expect(outcomes.filter((o) => o === 'ok').length).toBe(CAPACITY)
    expect(outcomes.filter((o) => o === code).length).toBe(SENT - CAPACITY)
    expect(letters.every((l) => l.ask)).toBe(true)
    await flush(system)
  })

  test('drop-oldest: evicted asks reject with DROPPED, the newest are answered', async () => {
    const { ref } = setup('drop-oldest')
    const outcomes = await Promise.all(
      range(0, SENT).map((i) =>
        ref.ask('put', i).then(
          () => 'ok',
          (e: ActorError) => e.code,
        ),
      ),
    )
    expect(outcomes.slice(0, SENT - CAPACITY).every((o) => o === 'DROPPED')).toBe(true)
    expect(outcomes.slice(SENT - CAPACITY).every((o) => o === 'ok')).toBe(true)
  })

  test('suspend: every ask is answered in order', async () => {
    const { ref } = setup('suspend')
    const replies = await Promise.all(range(0, SENT).map((i) => ref.ask('put', i)))
    expect(replies.length).toBe(SENT)
    expect(await ref.ask('get')).toBe(SENT)
  })

  test('unbounded: capacity Infinity takes everything', async () => {
    const system = createActorSystem({ mailbox: { capacity: Number.POSITIVE_INFINITY } })
    systems.push(system)
    let handled = 0
    const ref = system.spawn(() => ({ put: () => void handled++ }))
    for (let i = 0; i < 5000; i++) ref.tell('put')
    await flush(system)
    expect(handled).toBe(5000)
  })

  test('bad mailbox options are refused with the reason', () => {
    const system = createActorSystem()
    systems.push(system)
    expect(() => system.spawn(() => ({}), { mailbox: { capacity: 0 } })).toThrow(
      'mailbox.capacity must be a positive integer or Infinity, got 0',
    )
    expect(() =>
      system.spawn(() => ({}), { mailbox: { overflow: 'drop-all' as OverflowPolicy } }),
    ).toThrow('mailbox.overflow must be one of reject, drop-newest, drop-oldest, suspend')
  })
})
