/**
 * The plugin host end to end: callbacks, a stream with backpressure from a worker thread, a
 * hostile plugin refused, and a crashing plugin restarted by supervision while the others run.
 */
import { type ActorRef, expose, proxy, type TerminationReason, wrap } from '@entangle/actors'
import { afterEach, beforeEach, expect, test } from 'vitest'
import { createPluginHost, type HostApi, type PluginHost, type PluginManifest } from './host.ts'
import type { Flaky } from './plugins/flaky.ts'
import type { Primes } from './plugins/primes.ts'
import type { Snoop } from './plugins/snoop.ts'
import type { WordCount } from './plugins/wordcount.ts'
import { manifests } from './plugins.ts'

const readAhead = 4
let host: PluginHost

/** Node's handles of running worker threads (each holds a MessagePort until it has exited). */
const threadHandles = () =>
  process.getActiveResourcesInfo().filter((resource) => resource === 'MessagePort').length
let handlesBefore: number

beforeEach(async () => {
  handlesBefore = threadHandles()
  host = createPluginHost({ readAhead })
  // A document from before the plugins load.
  await host.addDocument({ id: 'a', text: 'one two three' })
  for (const manifest of manifests) host.load(manifest)
})
afterEach(async () => {
  await host.stop()
  // Every worker thread (primes, flaky, and flaky's restarts) has been terminated.
  expect(threadHandles()).toBe(handlesBefore)
})

const flakyManifest = manifests.find(({ name }) => name === 'flaky') as PluginManifest

test('a plugin hands the host a callback; the host calls it for old and new documents', async () => {
  const wordcount = await host.plugin<WordCount>('wordcount')
  // Started after "a" was added: the host called back with it during start().
  expect(await wordcount.counts()).toEqual({ a: 3 })
  await host.addDocument({ id: 'b', text: '  four   five ' })
  expect(await wordcount.counts()).toEqual({ a: 3, b: 2 })
  expect(await wordcount.total()).toBe(5)
  expect(host.log).toContain('[wordcount] watching documents, 1 so far')
})

test('a worker-thread plugin streams, never more than readAhead items ahead, and stops on break', async () => {
  const primes = await host.plugin<Primes>('primes')
  const taken: number[] = []
  for await (const prime of await primes.primes()) {
    taken.push(prime)
    const { produced } = await primes.progress()
    expect(produced - taken.length).toBeLessThanOrEqual(readAhead)
    if (taken.length === 25) break
  }
  expect(taken.slice(0, 10)).toEqual([2, 3, 5, 7, 11, 13, 17, 19, 23, 29])
  expect(taken.at(-1)).toBe(97)
  // The producer's finally ran before the loop ended: an endless generator, stopped.
  const { produced, running } = await primes.progress()
  expect(running).toBe(false)
  expect(produced).toBeGreaterThanOrEqual(25)
  expect(produced).toBeLessThanOrEqual(25 + readAhead)
})

test('a hostile plugin is refused everything but what it was granted', async () => {
  const snoop = await host.plugin<Snoop>('snoop')
  expect(await snoop.probe()).toEqual([
    { path: 'log', outcome: 'allowed' },
    { path: '__proto__.toString', outcome: 'FORBIDDEN' },
    { path: '__proto__.polluted', outcome: 'FORBIDDEN' },
    { path: 'constructor', outcome: 'FORBIDDEN' },
    { path: 'log.constructor', outcome: 'FORBIDDEN' },
    { path: 'documents.list', outcome: 'FORBIDDEN' },
    { path: 'admin.stop', outcome: 'FORBIDDEN' },
    { path: 'shutdown', outcome: 'FORBIDDEN' },
  ])
  expect(host.log).toContain('[snoop] snoop was here')
  // admin.stop('wordcount') did not run: wordcount still answers, never restarted.
  const wordcount = await host.plugin<WordCount>('wordcount')
  expect(await wordcount.total()).toBe(3)
  const owner = host.system.lookup('/wordcount') as ActorRef
  expect(host.system.stats(owner)).toMatchObject({ status: 'running', restarts: 0 })
  expect(Object.prototype).not.toHaveProperty('polluted')
})

test('a crashed plugin is restarted by its supervisor while the others keep running', async () => {
  const flaky = await host.plugin<Flaky>('flaky')
  const wordcount = await host.plugin<WordCount>('wordcount')
  const primes = await host.plugin<Primes>('primes')
  expect(await flaky.generation()).toBe(0)

  const failed = new Promise<string>((resolve) =>
    host.system.events.once('failed', (ref, error, directive) =>
      resolve(`${ref.path} ${directive}: ${(error as Error).message}`),
    ),
  )
  const restarted = new Promise<string>((resolve) =>
    host.system.events.once('restarted', (ref, restarts) => resolve(`${ref.path} ${restarts}`)),
  )
  // The call in flight when the thread dies rejects; nothing hangs.
  await expect(flaky.crash()).rejects.toMatchObject({ name: 'RpcError', code: 'CLOSED' })
  expect(await failed).toBe(
    '/flaky restart: its thread exited with code 1: the flaky plugin lost its mind',
  )
  // The others answer while flaky is down or restarting.
  await host.addDocument({ id: 'c', text: 'still here' })
  expect(await wordcount.total()).toBe(5)
  expect(await primes.progress()).toEqual({ produced: 0, running: false })

  expect(await restarted).toBe('/flaky 1')
  const again = await host.plugin<Flaky>('flaky')
  expect(await again.generation()).toBe(1)
  expect(host.log).toContain('[flaky] started, generation 1')
  for (const name of ['wordcount', 'primes', 'snoop']) {
    const owner = host.system.lookup(`/${name}`) as ActorRef
    expect(host.system.stats(owner)?.restarts).toBe(0)
  }
})

test('a plugin crashing more than maxRestarts times a minute is stopped for good', async () => {
  const small = createPluginHost({ maxRestarts: 1 })
  try {
    small.load(flakyManifest)
    const owner = small.system.lookup('/flaky') as ActorRef
    const gone = new Promise<TerminationReason>((resolve) =>
      small.system.watch(owner, ({ reason }) => resolve(reason)),
    )
    const restarted = new Promise((resolve) => small.system.events.once('restarted', resolve))
    await expect((await small.plugin<Flaky>('flaky')).crash()).rejects.toMatchObject({
      code: 'CLOSED',
    })
    await restarted
    const again = await small.plugin<Flaky>('flaky')
    expect(await again.generation()).toBe(1)
    await expect(again.crash()).rejects.toMatchObject({ code: 'CLOSED' })
    expect(await gone).toBe('failed')
    await expect(small.plugin('flaky')).rejects.toThrow('no plugin named "flaky" is running')
  } finally {
    await small.stop()
  }
})

test('a plugin that never answers is given up on: nothing waits for it forever', async () => {
  // Short enough for a quick test, long enough for deaf's start(), a few in-thread hops.
  const strict = createPluginHost({ callTimeoutMs: 200, maxRestarts: 1 })
  try {
    const failures: unknown[] = []
    strict.system.events.on('failed', (ref, error) => {
      if (ref.path === '/stuck') failures.push(error)
    })
    // Its start() never answers.
    strict.load({
      name: 'stuck',
      grants: [],
      activate: (port) => expose({ start: () => new Promise<void>(() => {}) }, port),
    })
    // It starts, but the callback it registers never returns.
    strict.load({
      name: 'deaf',
      grants: ['documents'],
      activate(port) {
        const api = wrap<HostApi>(port)
        expose({ start: () => api.documents.watch(proxy(() => new Promise<void>(() => {}))) }, port)
      },
    })
    const stuck = strict.system.lookup('/stuck') as ActorRef
    const gone = new Promise<TerminationReason>((resolve) =>
      strict.system.watch(stuck, ({ reason }) => resolve(reason)),
    )
    const refused = expect(strict.plugin('stuck')).rejects.toMatchObject({ code: 'STOPPED' })
    expect(await gone).toBe('failed')
    await refused
    // Started twice (maxRestarts: 1), and each time its start() timed out.
    expect(failures).toMatchObject([
      { name: 'RpcError', code: 'TIMEOUT' },
      { name: 'RpcError', code: 'TIMEOUT' },
    ])

    await strict.plugin('deaf')
    // Resolves although deaf's callback never does.
    await expect(strict.addDocument({ id: 'x', text: 'anyone?' })).resolves.toBeUndefined()
  } finally {
    await strict.stop()
  }
})
