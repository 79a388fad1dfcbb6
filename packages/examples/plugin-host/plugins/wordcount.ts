/**
 * A plugin running in the host's thread. It hands the host a callback (`proxy`), which the host
 * calls for every document; the plugin keeps a word count per document.
 */
import { type Endpoint, expose, proxy, wrap } from '@entangle/actors'
import type { Doc, HostApi, Plugin } from '../host.ts'

/** What the plugin offers the host. */
export interface WordCount extends Plugin {
  /** Words of every document seen. */
  total(): number
  /** Words per document id. */
  counts(): Record<string, number>
}

/** Starts the plugin on its end of the port pair. */
export function activate(port: Endpoint): void {
  const host = wrap<HostApi>(port)
  const counts = new Map<string, number>()
  const onDocument = (doc: Doc) => {
    counts.set(doc.id, doc.text.split(/\s+/).filter(Boolean).length)
  }
  const plugin: WordCount = {
    async start() {
      await host.documents.watch(proxy(onDocument))
      await host.log(`watching documents, ${counts.size} so far`)
    },
    total: () => [...counts.values()].reduce((sum, n) => sum + n, 0),
    counts: () => Object.fromEntries(counts),
  }
  expose(plugin, port)
}
