/**
 * The plugin host. Each plugin runs on its own port pair (in this thread, or in a worker thread)
 * and sees a typed host API limited to the capabilities its manifest grants. Each plugin is owned
 * by an actor: when the plugin crashes (its thread dies, or it closes its port) that actor fails,
 * and the actor system's supervisor restarts it with a fresh plugin while the others keep running.
 */
import { Worker } from 'node:worker_threads'
import {
  type ActorSystem,
  type Behavior,
  close,
  createActorSystem,
  type Endpoint,
  expose,
  type Remote,
  withOptions,
  wrap,
} from '@entangle/actors'
import { MessageChannel } from '@entangle/core'

/** A document the host shares with plugins. */
export interface Doc {
  id: string
  text: string
}

/** Everything the host offers. A plugin reaches only the parts its manifest grants. */
export interface HostApi {
  /** Writes a line to the host's log, under the plugin's name. */
  log(message: string): void
  documents: {
    /** The ids of the documents. */
    list(): string[]
    /** Calls `listener` with every document, present and future, until the plugin stops. */
    watch(listener: Remote<(doc: Doc) => void>): Promise<void>
  }
  admin: {
    /** Stops a plugin. */
    stop(plugin: string): Promise<void>
  }
}

/** A part of the host API a manifest can grant. */
export type Capability = keyof HostApi

/** What every plugin offers the host: `start` is called once the plugin is loaded. */
export interface Plugin {
  start(): void | Promise<void>
}

/** How to load a plugin, and what it may use. */
export type PluginManifest = { name: string; grants: readonly Capability[] } & (
  | {
      /** Runs in this thread: called with its end of a fresh @entangle/core port pair. */
      activate(port: Endpoint): void
    }
  | {
      /** Runs in a worker thread: the module's URL. It talks through `parentPort`. */
      worker: URL
    }
)

/** Options of `createPluginHost`. */
export interface PluginHostOptions {
  /** Called with each line of the host's log. Default: nothing. */
  onLog?: (line: string) => void
  /** Items a plugin's stream may run ahead of the host. Default 8. */
  readAhead?: number
  /** Restarts of one plugin allowed within a minute; one more stops it. Default 3. */
  maxRestarts?: number
  /**
   * How long the host waits for a plugin's `start()` and for each call of a plugin's callback,
   * ms, so a plugin that never answers cannot hang the host. Default 10000.
   */
  callTimeoutMs?: number
}

const defaults: Required<PluginHostOptions> = {
  onLog: () => {},
  readAhead: 8,
  maxRestarts: 3,
  callTimeoutMs: 10_000,
}

/** A running plugin host. */
export interface PluginHost {
  /** The actor system owning the plugins (its `events` report failures and restarts). */
  readonly system: ActorSystem
  /** Every line logged so far. */
  readonly log: readonly string[]
  /** Loads a plugin and starts it. */
  load(manifest: PluginManifest): void
  /** The running plugin of that name (after a restart: the new one). */
  plugin<P extends Plugin>(name: string): Promise<Remote<P>>
  /** Adds a document; resolves once every watching plugin has seen it. */
  addDocument(doc: Doc): Promise<void>
  /** Stops every plugin (worker threads are terminated). */
  stop(): Promise<void>
}

/** The protocol of the actor that owns one plugin. */
interface PluginOwner {
  /** The plugin, to call it. */
  remote(): Remote<Plugin>
  /** The plugin died: throwing makes the supervisor restart the owner. */
  exited(reason: string): void
}

/** Creates a plugin host. */
export function createPluginHost(options: PluginHostOptions = {}): PluginHost {
  const { onLog, readAhead, maxRestarts, callTimeoutMs } = { ...defaults, ...options }
  const timeout = { timeout: callTimeoutMs }
  const system = createActorSystem({
    id: 'plugin-host',
    supervisor: { decide: 'restart', maxRestarts, withinMs: 60_000 },
  })
  const log: string[] = []
  const documents = new Map<string, Doc>()
  const watchers = new Set<Remote<(doc: Doc) => void>>()
  const write = (line: string) => {
    log.push(line)
    onLog(line)
  }
  system.events.on('failed', (ref, error, directive) =>
    write(`[host] ${ref.path.slice(1)} failed (${(error as Error).message}): ${directive}`),
  )

  /** The host API one plugin gets; `dispose` forgets what it registered. */
  function hostApiFor(plugin: string): { api: HostApi; dispose(): void } {
    const mine = new Set<Remote<(doc: Doc) => void>>()
    const api: HostApi = {
      log: (message) => write(`[${plugin}] ${message}`),
      documents: {
        list: () => [...documents.keys()],
        async watch(callback) {
          const listener = withOptions(callback, timeout)
          mine.add(listener)
          watchers.add(listener)
          for (const doc of documents.values()) await listener(doc)
        },
      },
      admin: { stop: (name) => system.stop(ownerOf(name)) },
    }
    const dispose = () => {
      for (const listener of mine) watchers.delete(listener)
    }
    return { api, dispose }
  }

  function ownerOf(name: string) {
    const owner = system.lookup<PluginOwner>(`/${name}`)
    if (owner === undefined) throw new Error(`no plugin named "${name}" is running`)
    return owner
  }

  /** The owner actor of one plugin: starts it, exposes its host API, stops it. */
  function owner(manifest: PluginManifest): Behavior<PluginOwner> {
    return async (ctx) => {
      const running = run(manifest, ctx.restarts)
      const { api, dispose } = hostApiFor(manifest.name)
      expose(api, running.endpoint, { allow: manifest.grants })
      const plugin = wrap<Plugin>(running.endpoint, { readAhead })
      running.onExit((reason) => ctx.self.tell('exited', reason))
      ctx.onStop(async () => {
        dispose()
        await running.stop()
      })
      await withOptions(plugin.start, timeout)()
      return {
        remote: () => plugin,
        exited(reason) {
          throw new Error(reason)
        },
      }
    }
  }

  return {
    system,
    log,
    load(manifest) {
      system.spawn(owner(manifest), { name: manifest.name })
    },
    async plugin<P extends Plugin>(name: string) {
      return (await ownerOf(name).ask('remote')) as unknown as Remote<P>
    },
    async addDocument(doc) {
      documents.set(doc.id, doc)
      // A listener of a plugin that is gone rejects; the others still get the document.
      await Promise.allSettled([...watchers].map((listener) => listener(doc)))
    },
    stop: () => system.shutdown(),
  }
}

/** A plugin started on its port pair. */
interface Running {
  /** The host's end of the plugin's port pair. */
  endpoint: Endpoint
  /** Tells `listener` once if the plugin dies (not after `stop`). */
  onExit(listener: (reason: string) => void): void
  /** Stops the plugin. */
  stop(): Promise<void>
}

/** Starts a plugin in this thread or in a worker thread. */
function run(manifest: PluginManifest, generation: number): Running {
  let exited: ((reason: string) => void) | undefined
  const onExit = (listener: (reason: string) => void) => {
    exited = listener
  }
  if ('worker' in manifest) {
    const worker = new Worker(manifest.worker, { workerData: { generation } })
    let crash = ''
    worker.on('error', (error) => {
      crash = `: ${error.message}`
    })
    worker.once('exit', (code) => exited?.(`its thread exited with code ${code}${crash}`))
    return {
      endpoint: worker,
      onExit,
      async stop() {
        exited = undefined
        await worker.terminate()
      },
    }
  }
  const { port1, port2 } = new MessageChannel()
  port1.addEventListener('close', () => exited?.('it closed its port'))
  manifest.activate(port2)
  return {
    endpoint: port1,
    onExit,
    async stop() {
      exited = undefined
      close(port1)
    },
  }
}
