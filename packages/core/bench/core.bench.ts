/**
 * The `core.*` benchmark scenarios (see shared/spec/benchmarks.md): @entangle/core against the
 * host's own `MessageChannel` from `node:worker_threads` in the same process, and `clone` against
 * `structuredClone`. Run by `scripts/bench.mjs` (`pnpm bench`); each function below measures one
 * round and returns its figure, the runner does warm-up, interleaving and medians.
 *
 * Both sides run the very same measuring code through the web API they share (`onmessage`,
 * `postMessage`, `close`), so the only thing that differs is the implementation.
 */
import { MessageChannel as NativeMessageChannel } from 'node:worker_threads'
import { clone, MessageChannel } from '@entangle/core'
import type { Scenario } from '../../../scripts/bench-types.ts'

/** The part of a channel both implementations share and these scenarios use. */
interface Channel {
  readonly port1: Port
  readonly port2: Port
}

interface Port {
  postMessage(message: unknown): void
  onmessage: ((event: { readonly data: unknown }) => void) | null
  addEventListener(type: 'close', listener: () => void, options: { once: boolean }): void
  close(): void
}

type ChannelClass = new () => Channel

// Node's port types do not declare `onmessage`, and ours types its event more precisely than
// `Port` does; at run time both have exactly the surface above.
const Ours = MessageChannel as unknown as ChannelClass
const Native = NativeMessageChannel as unknown as ChannelClass
const NATIVE_NAME = 'node:worker_threads MessageChannel'

/** Quick mode (`pnpm bench --quick`) shrinks every count 5 times. */
const scaled = (count: number, quick: boolean) => (quick ? count / 5 : count)

/** Seconds since `start` (a `performance.now()` reading). */
const secondsSince = (start: number) => (performance.now() - start) / 1000

/**
 * Posts `count` messages from port1 to port2 as fast as the loop runs and resolves with the
 * messages per second, from the first post to the last receipt.
 */
function throughput(
  Channel: ChannelClass,
  count: number,
  message: (i: number) => unknown,
): Promise<number> {
  const { port1, port2 } = new Channel()
  return new Promise((resolve) => {
    let received = 0
    port2.onmessage = () => {
      if (++received < count) return
      const rate = count / secondsSince(start)
      port1.close()
      port2.close()
      resolve(rate)
    }
    const start = performance.now()
    for (let i = 0; i < count; i++) port1.postMessage(message(i))
  })
}

/**
 * `count` sequential round trips: port1 posts, port2 echoes, port1 posts the next one on receipt.
 * Resolves with microseconds per round trip.
 */
function pingpong(Channel: ChannelClass, count: number): Promise<number> {
  const { port1, port2 } = new Channel()
  return new Promise((resolve) => {
    let trips = 0
    port2.onmessage = (event) => port2.postMessage(event.data)
    port1.onmessage = () => {
      if (++trips < count) {
        port1.postMessage(trips)
        return
      }
      const micros = (secondsSince(start) * 1e6) / count
      port1.close()
      port2.close()
      resolve(micros)
    }
    const start = performance.now()
    port1.postMessage(0)
  })
}

const smallMessage = (i: number) => ({ i, s: 'x' })

/** An order with 86 lines: about 10 KB as JSON, four levels deep, the shape of an RPC payload. */
function order(id: number) {
  return {
    id,
    status: 'shipped',
    customer: {
      id: 'c-1815',
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      address: { street: '12 Analytical Way', city: 'London', zip: 'N1 9GU', country: 'GB' },
    },
    lines: Array.from({ length: 86 }, (_, j) => ({
      sku: `SKU-${1000 + j}`,
      title: 'Brass gear, 24 teeth',
      qty: (j % 5) + 1,
      unitPrice: 12.5 + j,
      discount: j % 3 === 0 ? 0.1 : 0,
      tags: ['metal', 'gear'],
    })),
    totals: { net: 1234.5, tax: 246.9, gross: 1481.4, currency: 'EUR' },
    createdAt: '2024-05-01T10:00:00.000Z',
    paid: true,
    notes: null,
  }
}

/**
 * What an application typically sends: a few primitives, small and nested plain objects, arrays,
 * a Date, a Map, a Set, bytes and an Error. Every value is cloneable by `structuredClone`.
 */
function realisticValues(): unknown[] {
  const created = new Date('2024-05-01T10:00:00.000Z')
  return [
    { a: 1, b: 'x', c: [1, 2, 3] },
    'a short string',
    42,
    {
      id: 'u-42',
      name: 'Grace Hopper',
      email: 'grace@example.com',
      roles: ['admin', 'developer'],
      createdAt: created,
      settings: { theme: 'dark', notifications: { email: true, push: false } },
    },
    Array.from({ length: 16 }, (_, i) => i * 1.5),
    Array.from({ length: 10 }, (_, i) => ({ id: i, title: `task ${i}`, done: i % 2 === 0 })),
    new Map(
      ['alpha', 'beta', 'gamma', 'delta', 'epsilon'].map((key, i) => [
        key,
        { count: i, lastSeen: created },
      ]),
    ),
    new Set(['red', 'green', 'blue', 'cyan', 'magenta', 'yellow', 'black', 'white']),
    new Uint8Array(256).map((_, i) => i),
    created,
    new TypeError('user u-42 not found'),
  ]
}

/** Clones every value of the mix `reps` times; resolves with clones per second. */
async function cloneRate(cloneOne: (value: unknown) => unknown, reps: number): Promise<number> {
  const values = realisticValues()
  let last: unknown // keeps the results observable, so no engine may skip the work
  const start = performance.now()
  for (let r = 0; r < reps; r++) {
    for (const value of values) last = cloneOne(value)
  }
  const seconds = secondsSince(start)
  if (!(last instanceof Error)) throw new Error('the last clone of the mix is not an Error')
  return (reps * values.length) / seconds
}

/**
 * Bytes retained per open channel: `count` channels held in an array, measured as the growth of
 * `heapUsed + external` between two full collections.
 *
 * What "retained" covers: everything the JS engine knows about. For @entangle/core that is all of
 * it (plain JS objects). For Node's ports it is the JS wrappers only: the C++ side (node's
 * MessagePort and its message queue, a libuv handle) lives in malloc'd memory that Node does not
 * report to V8 (`external` stays 0), and RSS is too noisy to attribute (the allocator keeps and
 * reuses pages across rounds). So the anchor's figure is a lower bound and the ratio understates
 * how much lighter ours is.
 */
async function retainedPerChannel(Channel: ChannelClass, count: number): Promise<number> {
  const gc = fullGc()
  // The array is filled with nulls before the first reading so that only the channels count.
  const held: (Channel | null)[] = []
  for (let i = 0; i < count; i++) held.push(null)
  gc()
  const before = engineMemory()
  for (let i = 0; i < count; i++) held[i] = new Channel()
  gc()
  const after = engineMemory()
  await closeAll(held.filter((channel) => channel !== null))
  return (after - before) / count
}

function engineMemory(): number {
  const { heapUsed, external } = process.memoryUsage()
  return heapUsed + external
}

function fullGc(): () => void {
  const gc = (globalThis as { gc?: () => void }).gc
  if (!gc) throw new Error('core.channel-memory needs node --expose-gc (scripts/bench.mjs sets it)')
  return () => {
    gc()
    gc()
  }
}

/**
 * Closes every channel and waits until each has reported `close` on port2 (Node closes its ports
 * asynchronously and frees them only then), so the next round starts from a clean heap.
 */
function closeAll(channels: readonly Channel[]): Promise<void> {
  return new Promise((resolve, reject) => {
    let open = channels.length
    const timer = setTimeout(() => {
      reject(new Error(`${open} of ${channels.length} channels did not report close within 10 s`))
    }, 10_000)
    const closed = () => {
      if (--open > 0) return
      clearTimeout(timer)
      resolve()
    }
    for (const channel of channels) {
      channel.port2.addEventListener('close', closed, { once: true })
      channel.port1.close()
      channel.port2.close()
    }
  })
}

const scenarios: Scenario[] = [
  {
    name: 'core.throughput-small',
    unit: 'msg/s',
    higherIsBetter: true,
    anchorName: NATIVE_NAME,
    target: '>= 10x',
    ours: (quick) => throughput(Ours, scaled(200_000, quick), smallMessage),
    anchor: (quick) => throughput(Native, scaled(200_000, quick), smallMessage),
  },
  {
    name: 'core.pingpong',
    unit: 'us/round trip',
    higherIsBetter: false,
    anchorName: NATIVE_NAME,
    target: '>= 5x',
    ours: (quick) => pingpong(Ours, scaled(100_000, quick)),
    anchor: (quick) => pingpong(Native, scaled(100_000, quick)),
  },
  {
    name: 'core.throughput-10kb',
    unit: 'msg/s',
    higherIsBetter: true,
    anchorName: NATIVE_NAME,
    target: '>= 2x',
    ours: (quick) => {
      const payload = order(1)
      return throughput(Ours, scaled(10_000, quick), () => payload)
    },
    anchor: (quick) => {
      const payload = order(1)
      return throughput(Native, scaled(10_000, quick), () => payload)
    },
  },
  {
    name: 'core.clone-fidelity-cost',
    unit: 'clones/s',
    higherIsBetter: true,
    anchorName: 'structuredClone',
    target: '>= 3x',
    ours: (quick) => cloneRate(clone, scaled(20_000, quick)),
    anchor: (quick) => cloneRate(structuredClone, scaled(20_000, quick)),
  },
  {
    name: 'core.channel-memory',
    unit: 'bytes/channel',
    higherIsBetter: false,
    anchorName: NATIVE_NAME,
    target: '>= 10x',
    ours: (quick) => retainedPerChannel(Ours, scaled(100_000, quick)),
    anchor: (quick) => retainedPerChannel(Native, scaled(100_000, quick)),
  },
]

export default scenarios
