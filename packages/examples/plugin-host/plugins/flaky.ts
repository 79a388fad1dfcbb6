/**
 * A plugin running in a worker thread that crashes on request: an uncaught exception ends its
 * thread. The host's supervisor then starts a new one (`generation` counts them).
 */
import { parentPort, workerData } from 'node:worker_threads'
import { expose, wrap } from '@entangle/actors'
import type { HostApi, Plugin } from '../host.ts'

/** What the plugin offers the host. */
export interface Flaky extends Plugin {
  /** 0 for the first thread, 1 after the first restart, ... */
  generation(): number
  /** Never answers: the thread dies first. */
  crash(): Promise<never>
}

if (parentPort === null) throw new Error('the flaky plugin runs in a worker thread')
const host = wrap<HostApi>(parentPort)
const { generation } = workerData as { generation: number }

const plugin: Flaky = {
  start: () => host.log(`started, generation ${generation}`),
  generation: () => generation,
  crash() {
    setTimeout(() => {
      throw new Error('the flaky plugin lost its mind')
    })
    return new Promise(() => {})
  },
}
expose(plugin, parentPort)
