/**
 * A real node:worker_threads Worker: the main thread wraps the `Worker` object (EventEmitter
 * style), the worker exposes on `parentPort` (EventTarget style), and calls go both ways.
 */
import { once } from 'node:events'
import { threadId, Worker } from 'node:worker_threads'
import { afterEach, expect, test } from 'vitest'
import { close, expose, proxy, wrap } from '../src/index'
import { bundleUrl } from './setup/bundle-path'

interface WorkerApi {
  add(a: number, b: number): number
  threadId(): number
  callMain(x: number): Promise<number>
  withCallback(callback: (from: string) => string): Promise<string>
  count(limit: number): AsyncGenerator<number>
  hang(): Promise<never>
  fail(): never
}

let worker: Worker | undefined

function start(): Worker {
  worker = new Worker(new URL('./fixtures/worker.mjs', import.meta.url), {
    workerData: { bundle: bundleUrl },
  })
  expose({ double: (x: number) => x * 2 }, worker, { name: 'main' })
  return worker
}

afterEach(async () => {
  await worker?.terminate()
  worker = undefined
})

test('calls a worker thread and the worker calls back', async () => {
  const remote = wrap<WorkerApi>(start())
  expect(await remote.add(2, 3)).toBe(5)
  const workerThread = await remote.threadId()
  expect(workerThread).not.toBe(threadId)
  expect(await remote.callMain(21)).toBe(42)
  expect(await remote.withCallback(proxy((from: string) => `hello ${from}`))).toBe(
    'hello from the worker',
  )
})

test('streams and errors cross the thread boundary', async () => {
  const remote = wrap<WorkerApi>(start())
  const items: number[] = []
  for await (const item of await remote.count(5)) items.push(item)
  expect(items).toEqual([0, 1, 2, 3, 4])
  const error = await remote.fail().catch((e: unknown) => e)
  expect(error).toBeInstanceOf(TypeError)
  expect(error).toMatchObject({ message: 'failed in the worker', cause: { message: 'root cause' } })
})

test('terminating the worker rejects pending calls with CLOSED', async () => {
  const remote = wrap<WorkerApi>(start())
  expect(await remote.add(1, 1)).toBe(2)
  const pending = remote.hang()
  await worker?.terminate()
  await expect(pending).rejects.toMatchObject({ code: 'CLOSED' })
  await expect(remote.add(1, 1)).rejects.toMatchObject({ code: 'CLOSED' })
})

test('close() on the main side ends the connection and lets the worker exit', async () => {
  const started = start()
  const remote = wrap<WorkerApi>(started)
  const pending = remote.hang()
  expect(await remote.add(1, 2)).toBe(3)
  const exited = once(started, 'exit')
  close(started)
  await expect(pending).rejects.toMatchObject({ code: 'CLOSED' })
  // The worker's connection got BYE and stopped listening, so its event loop runs dry.
  const [code] = await exited
  expect(code).toBe(0)
})
