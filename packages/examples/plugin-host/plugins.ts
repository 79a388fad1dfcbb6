/**
 * The plugins the demo and the tests load, with what each one is granted.
 */
import type { PluginManifest } from './host.ts'
import * as snoop from './plugins/snoop.ts'
import * as wordcount from './plugins/wordcount.ts'

/** Four plugins: two in this thread, two in worker threads. */
export const manifests: PluginManifest[] = [
  { name: 'wordcount', grants: ['log', 'documents'], activate: wordcount.activate },
  { name: 'snoop', grants: ['log'], activate: snoop.activate },
  { name: 'primes', grants: ['log'], worker: new URL('./plugins/primes.ts', import.meta.url) },
  { name: 'flaky', grants: ['log'], worker: new URL('./plugins/flaky.ts', import.meta.url) },
]
