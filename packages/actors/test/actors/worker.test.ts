/**
 * Location transparency and death watch across a real `node:worker_threads` Worker: the worker
 * runs the package bundled to JS by the global setup (test/setup), the main thread addresses its
 * actor through the Worker object, and terminating the worker delivers 'disconnected'.
 */
import { Worker } from 'node:worker_threads'
import { afterEach, expect, test } from 'vitest'
import {
  type ActorError,
  type ActorRef,
  type ActorSystem,
  createActorSystem,
  type RemoteSystem,
} from '../../src/actors/index'
import { terminated } from '../../src/testing'
import { deferred } from '../helpers'
import { bundleUrl } from '../setup/bundle-path'

const fixture = new URL('./fixtures/actor-worker.mjs', import.meta.url)

interface Counter {
  add(n: number): void
  get(): number
  report(replyTo: ActorRef<{ count(n: number): void }>): void
  hang(): void
}

let worker: Worker | undefined
let system: ActorSystem | undefined
afterEach(async () => {
  await worker?.terminate()
  await system?.shutdown()
  worker = system = undefined
})

async function start(): Promise<{ remote: RemoteSystem; counter: ActorRef<Counter> }> {
  worker = new Worker(fixture, { workerData: { bundle: bundleUrl } })
  system = createActorSystem({ id: 'main' })
  const remote = system.connect(worker)
  const counter = await remote.lookup<Counter>('/counter', { timeout: 10_000 })
  if (counter === undefined) throw new Error('the worker has no /counter')
  return { remote, counter }
}

test('tell, ask and refs in messages across a worker thread', async () => {
  const { remote, counter } = await start()
  expect(remote.id).toBe('worker')
  expect(counter.systemId).toBe('worker')
  counter.tell('add', 2)
  counter.tell('add', 3)
  expect(await counter.ask('get')).toBe(5)
  const reported = deferred<number>()
  const inbox = (system as ActorSystem).spawn(() => ({ count: (n: number) => reported.resolve(n) }))
  counter.tell('report', inbox)
  expect(await reported.promise).toBe(5)
})

test('terminating the worker: watchers get "disconnected", pending asks reject', async () => {
  const { counter } = await start()
  const sys = system as ActorSystem
  const notice = terminated(sys, counter)
  const watchedByActor = deferred<string>()
  sys.spawn((ctx) => {
    ctx.watch(counter, (n) => watchedByActor.resolve(n.reason))
    return {}
  })
  expect(await counter.ask('get')).toBe(0) // the watches above reached the worker
  const hanging = counter.ask('hang').catch((e: ActorError) => e.code)
  await worker?.terminate()
  expect(await notice).toEqual({ ref: counter, reason: 'disconnected' })
  expect(await watchedByActor.promise).toBe('disconnected')
  expect(await hanging).toBe('DISCONNECTED')
  await expect(counter.ask('get')).rejects.toMatchObject({ code: 'DISCONNECTED' })
})
