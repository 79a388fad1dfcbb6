/**
 * A plugin running in a worker thread, talking through its `parentPort`. It streams prime
 * numbers forever; the stream only runs as far ahead of the host as the host allows.
 */
import { parentPort } from 'node:worker_threads'
import { expose, wrap } from '@entangle/actors'
import type { HostApi, Plugin } from '../host.ts'

/** What the plugin offers the host. */
export interface Primes extends Plugin {
  /** Every prime number, in order, as a stream. */
  primes(): AsyncGenerator<number>
  /** How many primes the stream computed so far, and whether it is still running. */
  progress(): { produced: number; running: boolean }
}

if (parentPort === null) throw new Error('the primes plugin runs in a worker thread')
const host = wrap<HostApi>(parentPort)
let produced = 0
let running = false

function isPrime(n: number): boolean {
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return false
  return n >= 2
}

const plugin: Primes = {
  start: () => host.log('ready to stream primes'),
  async *primes() {
    running = true
    try {
      for (let n = 2; ; n++) {
        if (!isPrime(n)) continue
        produced++
        yield n
      }
    } finally {
      running = false
    }
  },
  progress: () => ({ produced, running }),
}
expose(plugin, parentPort)
