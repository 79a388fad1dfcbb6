/**
 * `@entangle/actors/testing`: drive actors in tests without sleeps. A manual clock (timers, ask
 * timeouts, restart backoff and windows all run on it), `flush` (wait until no actor has work),
 * probes (actors that record what they receive) and `terminated` (a promise of a watch notice).
 *
 * @example
 * const kit = createTestKit()
 * const ticker = kit.system.spawn<Ticker>((ctx) => { ctx.every(100, 'tick'); ... })
 * await kit.advance(350) // three ticks, handled
 */

import type { Clock } from './actors/clock'
import { coreOf, createActorSystem } from './actors/system'
import type {
  ActorRef,
  ActorSystem,
  ActorSystemOptions,
  AnyProtocol,
  Protocol,
  TerminationNotice,
} from './actors/types'

/**
 * Rounds (host macrotasks) `flush` waits for the systems to become idle before giving up. A round
 * lets a system handle up to 10,000 messages, so this allows 10 million messages of real work
 * while a livelock (actors messaging each other forever) is reported in a fraction of a second.
 */
const FLUSH_ROUNDS = 1_000

const macrotask = (): Promise<void> =>
  new Promise((resolve) =>
    typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0),
  )

/** A clock that only moves when told to. */
export interface ManualClock extends Clock {
  /**
   * Moves time forward by `ms`, firing due timers in time order (then in the order they were
   * set). Before each timer, and at the end, it lets the actors settle.
   */
  advance(ms: number): Promise<void>
  /** Timers set and not yet fired or cleared. */
  readonly pending: number
}

/** Options of `createManualClock`. */
export interface ManualClockOptions {
  /** The time it starts at. Default 0. */
  start?: number
  /** How to let things settle between timers. Default: one host macrotask. */
  settle?: () => Promise<void>
}

interface ManualTimer {
  readonly due: number
  readonly seq: number
  readonly callback: () => void
}

/** Creates a manual clock. Pass it as `createActorSystem({ clock })`. */
export function createManualClock(options: ManualClockOptions = {}): ManualClock {
  const { start = 0, settle = macrotask } = options
  let now = start
  let seq = 0
  const timers = new Set<ManualTimer>()
  const earliest = (limit: number): ManualTimer | undefined => {
    let first: ManualTimer | undefined
    for (const timer of timers) {
      if (timer.due > limit) continue
      if (
        first === undefined ||
        timer.due < first.due ||
        (timer.due === first.due && timer.seq < first.seq)
      ) {
        first = timer
      }
    }
    return first
  }
  return {
    now: () => now,
    setTimeout(callback, ms) {
      if (typeof callback !== 'function') throw new TypeError('setTimeout() takes a function')
      const delay = typeof ms === 'number' && ms > 0 ? ms : 0
      const timer: ManualTimer = { due: now + delay, seq: seq++, callback }
      timers.add(timer)
      return timer
    },
    clearTimeout(handle) {
      timers.delete(handle as ManualTimer)
    },
    get pending() {
      return timers.size
    },
    async advance(ms) {
      if (!(typeof ms === 'number' && ms >= 0 && Number.isFinite(ms))) {
        throw new TypeError(`advance() takes a non-negative number of ms, got ${String(ms)}`)
      }
      const target = now + ms
      for (;;) {
        await settle()
        const timer = earliest(target)
        if (timer === undefined) break
        timers.delete(timer)
        now = timer.due
        timer.callback()
      }
      now = target
      await settle()
    },
  }
}

/**
 * Resolves once the actors of the given systems stop making progress: nothing waits in the ready
 * list and no message was handled, no actor started or stopped, over two host macrotasks in a
 * row. A handler awaiting something outside (a deferred of the test, I/O) does not hold it up.
 * Rejects, naming the busy actors, if they are still making progress after 1,000 macrotasks
 * (actors that keep messaging each other forever).
 */
export async function flush(...systems: ActorSystem[]): Promise<void> {
  const cores = systems.map(coreOf)
  const ticks = () => cores.reduce((sum, core) => sum + core.ticks, 0)
  let last = ticks()
  let quiet = 0
  for (let round = 0; round < FLUSH_ROUNDS; round++) {
    await macrotask()
    const now = ticks()
    if (now !== last || cores.some((core) => core.scheduled)) quiet = 0
    else if (++quiet === 2) return
    last = now
  }
  const busy = cores.flatMap((core) => core.activePaths())
  throw new Error(`flush(): actors still busy after ${FLUSH_ROUNDS} rounds: ${busy.join(', ')}`)
}

/** A message a probe received. */
export interface ProbeMessage {
  /** The message name. */
  readonly name: string
  /** The message payload. */
  readonly payload: unknown
}

/** An actor that records every message it receives, whatever its name. */
export interface Probe<P extends Protocol<P> = AnyProtocol> {
  /** The probe's ref, typed as the protocol it stands in for. */
  readonly ref: ActorRef<P>
  /** Every message received so far, oldest first. */
  readonly messages: readonly ProbeMessage[]
  /**
   * The oldest message not yet taken by `next`. If there is none it flushes the system first,
   * and rejects if there is still none (in-process systems only; nothing waits on real time).
   */
  next(): Promise<ProbeMessage>
  /** Flushes the system, then rejects if a message is waiting that `next` has not taken. */
  expectNoMessage(): Promise<void>
}

/** Options of `createProbe`. */
export interface ProbeOptions {
  /** The probe actor's name. Default: generated. */
  name?: string
  /** What an ask to the probe replies. Default: undefined. */
  reply?: (name: string, payload: unknown) => unknown
}

/** Spawns a probe in `system`. */
export function createProbe<P extends Protocol<P> = AnyProtocol>(
  system: ActorSystem,
  options: ProbeOptions = {},
): Probe<P> {
  const messages: ProbeMessage[] = []
  let taken = 0
  const reply = options.reply ?? (() => undefined)
  const handlers = new Proxy(
    {},
    {
      // `then` stays undefined, or the handlers would look like a promise of handlers.
      get: (_target, name) =>
        typeof name === 'string' && name !== 'then'
          ? (payload: unknown) => {
              messages.push({ name, payload })
              return reply(name, payload)
            }
          : undefined,
    },
  )
  const spawnOptions = options.name === undefined ? {} : { name: options.name }
  const ref = system.spawn(() => handlers, spawnOptions) as unknown as ActorRef<P>
  return {
    ref,
    messages,
    async next() {
      if (taken === messages.length) await flush(system)
      const message = messages[taken]
      if (message === undefined) {
        throw new Error(`probe ${ref.path} received no message (${taken} taken so far)`)
      }
      taken++
      return message
    },
    async expectNoMessage() {
      await flush(system)
      const message = messages[taken]
      if (message !== undefined) {
        throw new Error(`probe ${ref.path} received "${message.name}" but expected no message`)
      }
    },
  }
}

/** Resolves with the notice when `ref` terminates (or its system disconnects). */
export function terminated(system: ActorSystem, ref: ActorRef): Promise<TerminationNotice> {
  return new Promise((resolve) => system.watch(ref, resolve))
}

/** An actor system on a manual clock, with shortcuts to flush and advance it. */
export interface TestKit {
  /** The system under test; it runs on `clock`. */
  readonly system: ActorSystem
  /** The system's manual clock. */
  readonly clock: ManualClock
  /** `flush(system)`. */
  flush(): Promise<void>
  /** Advances the clock by `ms`, flushing the system before every timer and at the end. */
  advance(ms: number): Promise<void>
}

/** Creates an actor system on a manual clock (other options are passed through). */
export function createTestKit(options: Omit<ActorSystemOptions, 'clock'> = {}): TestKit {
  let system: ActorSystem | undefined
  const settle = () => (system === undefined ? macrotask() : flush(system))
  const clock = createManualClock({ settle })
  system = createActorSystem({ ...options, clock })
  const created = system
  return {
    system: created,
    clock,
    flush: () => flush(created),
    advance: (ms) => clock.advance(ms),
  }
}
