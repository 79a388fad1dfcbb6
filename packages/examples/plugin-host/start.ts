/**
 * The plugin-host demo (`pnpm --filter @entangle/examples start:plugin-host`): loads four plugins,
 * shares documents with one through a callback, streams primes from another, lets a hostile one
 * probe the host, and crashes a fourth, which supervision restarts.
 */
import { createPluginHost } from './host.ts'
import type { Flaky } from './plugins/flaky.ts'
import type { Primes } from './plugins/primes.ts'
import type { Snoop } from './plugins/snoop.ts'
import type { WordCount } from './plugins/wordcount.ts'
import { manifests } from './plugins.ts'

const host = createPluginHost({ onLog: (line) => console.log(`  log: ${line}`) })
try {
  console.log('0. loading wordcount and snoop (this thread), primes and flaky (worker threads)')
  for (const manifest of manifests) host.load(manifest)
  await Promise.all(manifests.map(({ name }) => host.plugin(name)))

  console.log('\n1. wordcount gave the host a callback; the host calls it for every document')
  const wordcount = await host.plugin<WordCount>('wordcount')
  await host.addDocument({ id: 'intro', text: 'plugins talk to the host over ports' })
  await host.addDocument({ id: 'outro', text: 'and the host talks back' })
  console.log('  word counts:', await wordcount.counts(), 'total:', await wordcount.total())

  console.log('\n2. primes streams from its worker thread, never more than 8 items ahead')
  const primes = await host.plugin<Primes>('primes')
  const taken: number[] = []
  for await (const prime of await primes.primes()) {
    taken.push(prime)
    if (taken.length === 20) break
  }
  console.log(`  took ${taken.join(' ')}`)
  console.log('  progress after break:', await primes.progress())

  console.log('\n3. snoop (granted only "log") probes the host')
  const snoop = await host.plugin<Snoop>('snoop')
  for (const { path, outcome } of await snoop.probe()) {
    console.log(`  ${`host.${path}`.padEnd(24)} ${outcome}`)
  }

  console.log('\n4. flaky crashes its thread; the supervisor restarts it, the others keep going')
  const flaky = await host.plugin<Flaky>('flaky')
  const restarted = new Promise((resolve) => host.system.events.once('restarted', resolve))
  const crash = flaky.crash().catch((error: Error & { code?: string }) => error.code)
  console.log(`  the pending crash() call rejected with ${await crash}`)
  console.log(`  meanwhile wordcount.total() = ${await wordcount.total()}`)
  await restarted
  const again = await host.plugin<Flaky>('flaky')
  console.log(`  flaky is back: generation ${await again.generation()}`)
} finally {
  await host.stop()
}
console.log('\nall plugins stopped.')
