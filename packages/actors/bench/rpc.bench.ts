/**
 * The rpc.* scenarios of spec/benchmarks.md. Each `ours` / `anchor` function runs one measured
 * round (a fresh channel, a short warm-up, the timed part, everything closed afterwards) sized to
 * take roughly 100-300 ms, or about 5x less in quick mode.
 */
import { MessageChannel as NodeChannel } from 'node:worker_threads'
import { close, expose, wrap } from '@entangle/actors'
import { MessageChannel as CoreChannel } from '@entangle/core'
import { createBirpc } from 'birpc'
import * as Comlink from 'comlink'
import type { Scenario } from '../../../scripts/bench-types.ts'

type Add = (a: number, b: number) => Promise<number>
const api = { add: (a: number, b: number) => a + b }

/** A connected `add` and the function that tears its channel down. */
interface Setup {
  add: Add
  dispose(): void
}

function ourSetup(): Setup {
  const { port1, port2 } = new CoreChannel()
  expose(api, port1)
  const remote = wrap<typeof api>(port2)
  return {
    add: (a, b) => remote.add(a, b),
    dispose: () => close(port2),
  }
}

function comlinkSetup(Channel: typeof NodeChannel | typeof CoreChannel): Setup {
  const { port1, port2 } = new Channel()
  Comlink.expose(api, port1 as unknown as Comlink.Endpoint)
  const remote = Comlink.wrap<typeof api>(port2 as unknown as Comlink.Endpoint)
  return {
    add: (a, b) => remote.add(a, b),
    dispose: () => {
      remote[Comlink.releaseProxy]()
      port1.close()
      port2.close()
    },
  }
}

function birpcSetup(): Setup {
  const { port1, port2 } = new NodeChannel()
  const channel = (port: InstanceType<typeof NodeChannel>['port1']) => ({
    post: (data: unknown) => port.postMessage(data),
    on: (fn: (data: unknown) => void) => {
      port.on('message', fn)
    },
  })
  createBirpc<Record<string, never>, typeof api>(api, channel(port1))
  const client = createBirpc<typeof api>({}, channel(port2))
  return {
    add: (a, b) => client.add(a, b),
    dispose: () => {
      client.$close()
      port1.close()
      port2.close()
    },
  }
}

/** A raw request/response over @entangle/core: `[a, b]` out, the sum back, no RPC layer. */
function rawCoreSetup(): Setup {
  const { port1, port2 } = new CoreChannel()
  port1.addEventListener('message', (event: { data: unknown }) => {
    const [a, b] = event.data as [number, number]
    port1.postMessage(a + b)
  })
  let settle: (value: number) => void = () => {}
  port2.addEventListener('message', (event: { data: unknown }) => settle(event.data as number))
  port1.start()
  port2.start()
  return {
    add: (a, b) =>
      new Promise<number>((resolve) => {
        settle = resolve
        port2.postMessage([a, b])
      }),
    dispose: () => port1.close(),
  }
}

async function sequential(add: Add, calls: number): Promise<number> {
  let check = 0
  for (let i = 0; i < calls; i++) check += await add(i, 1)
  if (check !== (calls * (calls + 1)) / 2) throw new Error('wrong results')
  return check
}

async function concurrent(add: Add, calls: number): Promise<number> {
  const pending: Promise<number>[] = new Array(calls)
  for (let i = 0; i < calls; i++) pending[i] = add(i, 1)
  const results = await Promise.all(pending)
  if (results[calls - 1] !== calls) throw new Error('wrong results')
  return calls
}

/** Runs one round: warm up, time `calls` calls, tear down. Returns milliseconds per call. */
async function round(
  setup: () => Setup,
  run: (add: Add, calls: number) => Promise<number>,
  calls: number,
): Promise<number> {
  const { add, dispose } = setup()
  try {
    await run(add, Math.max(100, calls >> 3))
    const start = performance.now()
    await run(add, calls)
    return (performance.now() - start) / calls
  } finally {
    dispose()
  }
}

const size = (full: number, quick: boolean) => (quick ? Math.round(full / 5) : full)
const perSecond = (msPerCall: number) => 1000 / msPerCall

const scenarios: Scenario[] = [
  {
    name: 'rpc.sequential',
    unit: 'calls/s',
    higherIsBetter: true,
    anchorName: 'comlink (node MessageChannel)',
    target: '>= 10x',
    ours: async (quick) => perSecond(await round(ourSetup, sequential, size(200_000, quick))),
    anchor: async (quick) =>
      perSecond(await round(() => comlinkSetup(NodeChannel), sequential, size(8_000, quick))),
  },
  {
    name: 'rpc.sequential-birpc',
    unit: 'calls/s',
    higherIsBetter: true,
    anchorName: 'birpc (node MessageChannel)',
    target: '>= 5x',
    ours: async (quick) => perSecond(await round(ourSetup, sequential, size(200_000, quick))),
    anchor: async (quick) => perSecond(await round(birpcSetup, sequential, size(15_000, quick))),
  },
  {
    name: 'rpc.same-transport',
    unit: 'calls/s',
    higherIsBetter: true,
    anchorName: 'comlink (@entangle/core MessageChannel)',
    target: '>= 3x',
    ours: async (quick) => perSecond(await round(ourSetup, sequential, size(200_000, quick))),
    anchor: async (quick) =>
      perSecond(await round(() => comlinkSetup(CoreChannel), sequential, size(40_000, quick))),
  },
  {
    name: 'rpc.overhead',
    unit: 'us/call',
    higherIsBetter: false,
    anchorName: 'raw @entangle/core ping-pong',
    target: '>= 0.5x',
    ours: async (quick) => 1000 * (await round(ourSetup, sequential, size(200_000, quick))),
    anchor: async (quick) => 1000 * (await round(rawCoreSetup, sequential, size(500_000, quick))),
  },
  {
    name: 'rpc.concurrent',
    unit: 'calls/s',
    higherIsBetter: true,
    anchorName: 'comlink (node MessageChannel)',
    target: '>= 10x',
    ours: async (quick) => {
      let total = 0
      const rounds = quick ? 2 : 10
      for (let i = 0; i < rounds; i++) total += await round(ourSetup, concurrent, 20_000)
      return perSecond(total / rounds)
    },
    anchor: async (quick) =>
      perSecond(await round(() => comlinkSetup(NodeChannel), concurrent, quick ? 4_000 : 20_000)),
  },
]

export default scenarios
