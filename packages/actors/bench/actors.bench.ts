/**
 * The `actors.*` scenarios of spec/benchmarks.md. Each `ours` / `anchor` function measures one
 * round (fresh systems or channel, a short warm-up, the timed part, everything closed after);
 * the runner (scripts/bench.mjs) does the rounds, interleaving and medians.
 *
 * - actors.tell: one-way messages from one actor system to an actor of another over an
 *   @entangle/core port pair (port, wire protocol, mailbox, handler), against the raw core
 *   throughput of the same messages on the same kind of channel.
 * - actors.tell-local: the same messages told to a local actor (mailbox and handler only).
 * - actors.ask: sequential asks across an @entangle/core port pair (a number out, a number
 *   back), against sequential `add(a, b)` calls of this package's RPC layer on the same kind of
 *   channel (the rpc.sequential figure).
 * - actors.idle-memory: retained heap per idle actor, against the 1 KB target (a constant).
 */
import {
  type ActorRef,
  close,
  createActorSystem,
  expose,
  type Protocol,
  wrap,
} from '@entangle/actors'
import { MessageChannel } from '@entangle/core'
import type { Scenario } from '../../../scripts/bench-types.ts'

const size = (full: number, quick: boolean) => (quick ? Math.round(full / 5) : full)
const secondsSince = (start: number) => (performance.now() - start) / 1000
const message = (i: number) => ({ i, s: 'x' })

/**
 * Two systems connected over a core port pair; `find` looks up an actor of `b` from `a`.
 * `dispose` shuts both down.
 */
function connectedSystems() {
  const { port1, port2 } = new MessageChannel()
  const a = createActorSystem({ id: 'a' })
  const b = createActorSystem({ id: 'b' })
  const toB = a.connect(port1)
  b.connect(port2)
  return {
    b,
    async find<P extends Protocol<P>>(path: string): Promise<ActorRef<P>> {
      const ref = await toB.lookup<P>(path)
      if (ref === undefined) throw new Error(`no actor at ${path}`)
      return ref
    },
    dispose: async () => void (await Promise.all([a.shutdown(), b.shutdown()])),
  }
}

interface Sink {
  put(message: { i: number; s: string }): void
}

/**
 * A counting actor's behavior and a promise of its count reaching a number. Both systems live
 * in this process, so the bench waits on the counter directly (an ask that waited inside the
 * actor would keep it from handling the messages it waits for).
 */
function counting() {
  let received = 0
  let target = Number.POSITIVE_INFINITY
  let done: () => void = () => {}
  return {
    behavior: () => ({
      put() {
        if (++received === target) done()
      },
    }),
    arrived(count: number): Promise<void> {
      target = received + count
      return new Promise((resolve) => {
        done = resolve
      })
    },
  }
}

/** Tells `count` messages to `ref` and resolves with messages per second until the last one. */
async function tellRate(
  ref: ActorRef<Sink>,
  counter: ReturnType<typeof counting>,
  count: number,
): Promise<number> {
  const arrived = counter.arrived(count)
  const start = performance.now()
  for (let i = 0; i < count; i++) ref.tell('put', message(i))
  await arrived
  return count / secondsSince(start)
}

async function remoteTell(quick: boolean): Promise<number> {
  const { b, find, dispose } = connectedSystems()
  try {
    const counter = counting()
    b.spawn<Sink>(counter.behavior, { name: 'sink' })
    const ref = await find<Sink>('/sink')
    await tellRate(ref, counter, 2_000)
    return await tellRate(ref, counter, size(200_000, quick))
  } finally {
    await dispose()
  }
}

async function localTell(quick: boolean): Promise<number> {
  const system = createActorSystem({ mailbox: { capacity: Number.POSITIVE_INFINITY } })
  try {
    const counter = counting()
    const ref = system.spawn<Sink>(counter.behavior)
    await tellRate(ref, counter, 2_000)
    return await tellRate(ref, counter, size(200_000, quick))
  } finally {
    await system.shutdown()
  }
}

/** The raw core throughput of the same messages: port1 posts, port2 counts. */
function coreThroughput(quick: boolean): Promise<number> {
  const count = size(200_000, quick)
  const { port1, port2 } = new MessageChannel()
  return new Promise((resolve) => {
    let received = 0
    port2.onmessage = () => {
      if (++received < count) return
      const rate = count / secondsSince(start)
      port1.close()
      resolve(rate)
    }
    const start = performance.now()
    for (let i = 0; i < count; i++) port1.postMessage(message(i))
  })
}

type Add = (a: number, b: number) => Promise<number>

async function sequential(add: Add, calls: number): Promise<number> {
  let check = 0
  for (let i = 0; i < calls; i++) check += await add(i, 1)
  if (check !== (calls * (calls + 1)) / 2) throw new Error('wrong results')
  return calls
}

/** Warm-up, then `calls` sequential calls; calls per second. */
async function callRate(add: Add, calls: number): Promise<number> {
  await sequential(add, Math.max(100, calls >> 3))
  const start = performance.now()
  await sequential(add, calls)
  return calls / secondsSince(start)
}

/**
 * Sequential asks with a number as the payload and the reply: the cost of the ask itself, as
 * rpc.sequential measures the call itself (its two number arguments also travel uncloned). A
 * structured payload adds one core `clone` per ask on top (see `objectAsk`).
 */
async function remoteAsk(quick: boolean): Promise<number> {
  const { b, find, dispose } = connectedSystems()
  try {
    b.spawn(() => ({ next: (n: number) => n + 1 }), { name: 'adder' })
    const ref = await find<{ next(n: number): number }>('/adder')
    return await callRate((x, y) => ref.ask('next', x + y - 1), size(200_000, quick))
  } finally {
    await dispose()
  }
}

/** The same with an object payload `{ a, b }` (not a scenario; for comparison by hand). */
export async function objectAsk(quick: boolean): Promise<number> {
  const { b, find, dispose } = connectedSystems()
  try {
    b.spawn(() => ({ add: ({ a, b }: { a: number; b: number }) => a + b }), { name: 'adder' })
    const ref = await find<{ add(p: { a: number; b: number }): number }>('/adder')
    return await callRate((x, y) => ref.ask('add', { a: x, b: y }), size(200_000, quick))
  } finally {
    await dispose()
  }
}

async function rpcSequential(quick: boolean): Promise<number> {
  const { port1, port2 } = new MessageChannel()
  const api = { add: (x: number, y: number) => x + y }
  expose(api, port1)
  const remote = wrap<typeof api>(port2)
  try {
    return await callRate((x, y) => remote.add(x, y), size(200_000, quick))
  } finally {
    close(port2)
  }
}

const ONE_KB = 1024

/** Spawns `count` idle actors (a counter each) and returns the retained heap per actor. */
async function idleMemory(quick: boolean): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) throw new Error('run with --expose-gc (the bench runner does)')
  const count = size(100_000, quick)
  const system = createActorSystem()
  const refs: unknown[] = new Array(count)
  gc()
  const before = process.memoryUsage().heapUsed
  for (let i = 0; i < count; i++) {
    refs[i] = system.spawn(() => {
      let value = 0
      return {
        add(n: number) {
          value += n
        },
        get: () => value,
      }
    })
  }
  gc()
  const after = process.memoryUsage().heapUsed
  // `refs` holds one pointer per actor on top of what the system holds anyway.
  const perActor = (after - before) / count - 8
  await system.shutdown()
  if (refs.length !== count) throw new Error('unreachable')
  return perActor
}

const scenarios: Scenario[] = [
  {
    name: 'actors.tell',
    unit: 'msg/s',
    higherIsBetter: true,
    anchorName: 'raw @entangle/core throughput, same messages',
    target: '>= 0.5',
    ours: remoteTell,
    anchor: coreThroughput,
  },
  {
    name: 'actors.tell-local',
    unit: 'msg/s',
    higherIsBetter: true,
    anchorName: 'raw @entangle/core throughput, same messages',
    target: '>= 0.5',
    ours: localTell,
    anchor: coreThroughput,
  },
  {
    name: 'actors.ask',
    unit: 'asks/s',
    higherIsBetter: true,
    anchorName: 'rpc.sequential: our RPC add(a, b) over @entangle/core',
    target: '>= 0.8',
    ours: remoteAsk,
    anchor: rpcSequential,
  },
  {
    name: 'actors.idle-memory',
    unit: 'bytes/actor',
    higherIsBetter: false,
    anchorName: 'target: 1 KB per idle actor (a constant, not a measurement)',
    target: '>= 1 (at most 1 KB)',
    ours: idleMemory,
    anchor: async () => ONE_KB,
  },
]

export default scenarios
