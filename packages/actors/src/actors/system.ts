/**
 * The actor system: the tree of cells under a root guardian, the ready list that runs them, the
 * clock, the dead letters, the events and the connections to other systems. `createActorSystem`
 * returns its public face; `SystemCore` is what cells and connections share.
 */
import { EventEmitter } from 'eventemitter3'
import type { Endpoint } from '../endpoint'
import { AskReply, checkAskOptions } from './ask'
import { Cell } from './cell'
import type { Clock } from './clock'
import { ActorError, type ActorErrorCode } from './errors'
import { Link } from './link'
import type { Reply } from './mailbox'
import { type ResolvedMailbox, type ResolvedSupervisor, resolveSystem } from './options'
import { type Ref, type Target, targetOf } from './ref'
import type {
  ActorRef,
  ActorStats,
  ActorSystem,
  ActorSystemEvents,
  ActorSystemOptions,
  DeadLetterReason,
  RemoteSystem,
  SpawnOptions,
  StopOptions,
  SystemConnectOptions,
  TerminationNotice,
} from './types'

/** Messages handled in one go before the system lets the host's other tasks (timers, I/O) run. */
const YIELD_AFTER = 10_000

const macrotask: (fn: () => void) => void =
  typeof setImmediate === 'function' ? (fn) => setImmediate(fn) : (fn) => setTimeout(fn, 0)

const letterCodes: Record<DeadLetterReason, [ActorErrorCode, string]> = {
  'mailbox-full': ['MAILBOX_FULL', 'its mailbox is full'],
  'dropped-newest': ['DROPPED', 'its mailbox is full (policy drop-newest)'],
  'dropped-oldest': ['DROPPED', 'its mailbox overflowed (policy drop-oldest)'],
  stopped: ['STOPPED', 'the actor has stopped'],
  unhandled: ['UNHANDLED', 'the actor has no handler of that name'],
  disconnected: ['DISCONNECTED', "the actor's system is not connected"],
}

/** What cells and connections share. */
export class SystemCore {
  readonly events = new EventEmitter<ActorSystemEvents>()
  readonly root: Cell
  readonly links = new Set<Link>()
  /** Connections by the peer's id, for refs to third systems arriving in messages. */
  readonly linksById = new Map<string, Link>()
  /** Where refs that cannot be reached deliver: dead letters. */
  readonly unreachable: Target
  api!: ActorSystem
  shutDown = false
  /** Counts steps actors make (messages handled, starts, stops), for the test kit's `flush`. */
  ticks = 0
  private readonly cells = new Map<number, Cell>()
  private uid = 0
  private readonly ready: Array<Cell | undefined> = []
  private readyHead = 0
  private draining = false
  private readonly drain = () => this.runReady()

  constructor(
    readonly id: string,
    readonly clock: Clock,
    readonly mailbox: ResolvedMailbox,
    supervisor: ResolvedSupervisor,
  ) {
    this.root = new Cell(this, undefined, '', 0, () => ({}), mailbox, supervisor)
    this.root.status = 1 // RUNNING; the root never handles messages
    this.unreachable = unreachableTarget(this)
  }

  nextUid(): number {
    return ++this.uid
  }

  remember(cell: Cell): void {
    this.cells.set(cell.uid, cell)
  }

  forget(cell: Cell): void {
    if (this.cells.get(cell.uid) === cell) this.cells.delete(cell.uid)
  }

  /** The live cell with that uid. */
  cell(uid: number): Cell | undefined {
    return this.cells.get(uid)
  }

  /** The cell at `path` (`/a/b`, or a top-level name), if it has not terminated. */
  find(path: string): Cell | undefined {
    if (typeof path !== 'string') throw new TypeError(`a path must be a string, got ${typeof path}`)
    const names = (path.startsWith('/') ? path.slice(1) : path).split('/')
    let cell: Cell | undefined = this.root
    for (const name of names) {
      cell = cell.children?.get(name)
      if (cell === undefined) return undefined
    }
    return cell === this.root || cell.stopped ? undefined : cell
  }

  /** Queues a cell to run in a microtask. */
  schedule(cell: Cell): void {
    if (cell.scheduled) return
    cell.scheduled = true
    this.ready.push(cell)
    if (!this.draining) {
      this.draining = true
      queueMicrotask(this.drain)
    }
  }

  private runReady(): void {
    const ready = this.ready
    let budget = YIELD_AFTER
    while (this.readyHead < ready.length) {
      const cell = ready[this.readyHead] as Cell
      ready[this.readyHead++] = undefined
      cell.scheduled = false
      budget -= cell.run()
      if (budget <= 0 && this.readyHead < ready.length) {
        ready.splice(0, this.readyHead)
        this.readyHead = 0
        macrotask(this.drain)
        return
      }
    }
    ready.length = 0
    this.readyHead = 0
    this.draining = false
  }

  /** True while cells wait in the ready list to run (for the test kit). */
  get scheduled(): boolean {
    return this.readyHead < this.ready.length
  }

  /** Cells with a handler in progress or queued messages (for the test kit's messages). */
  activePaths(): string[] {
    const paths: string[] = []
    for (const cell of this.cells.values()) if (cell.active) paths.push(cell.path)
    return paths
  }

  /** Reports an undeliverable message; an ask among them rejects with an `ActorError`. */
  deadLetter(
    recipient: Ref,
    name: string,
    payload: unknown,
    reason: DeadLetterReason,
    reply: Reply | undefined,
  ): void {
    if (reply !== undefined && !reply.done) {
      const [code, why] = letterCodes[reason]
      reply.reject(new ActorError(code, `ask "${name}" to ${recipient.path} failed: ${why}`))
    }
    if (this.events.listenerCount('deadLetter') > 0) {
      // Through `emit`: a throwing listener is reported, never thrown into a sender or the loop.
      this.emit('deadLetter', { recipient, name, payload, reason, ask: reply !== undefined })
    }
  }

  emit<E extends keyof ActorSystemEvents>(event: E, ...args: ActorSystemEvents[E]): void {
    try {
      ;(this.events.emit as (event: E, ...args: unknown[]) => boolean)(event, ...args)
    } catch (error) {
      if (event !== 'error') this.report(error)
    }
  }

  /** Something failed where nobody can be told: the `error` event. */
  report(error: unknown): void {
    this.emit('error', error)
  }

  /** Calls a watch listener, reporting what it throws. */
  notify(listener: (notice: TerminationNotice) => void, notice: TerminationNotice): void {
    try {
      listener(notice)
    } catch (error) {
      this.report(error)
    }
  }

  /** Watches any ref: local, remote or unreachable. */
  watch(ref: ActorRef, listener: (notice: TerminationNotice) => void): () => void {
    const target = targetOf(ref)
    if (target === undefined) throw new TypeError(`watch() takes an ActorRef, got ${String(ref)}`)
    return target.watch(ref as Ref, listener)
  }
}

/** The target of refs nobody can reach: a stopped local actor, an unconnected system. */
function unreachableTarget(core: SystemCore): Target {
  const reasonOf = (ref: Ref) => (ref.systemId === core.id ? 'stopped' : 'disconnected')
  return {
    tell(ref, name, payload) {
      core.deadLetter(ref, name, payload, reasonOf(ref), undefined)
      return undefined
    },
    ask(ref, name, payload, options) {
      if (options !== undefined) checkAskOptions(options)
      const reply = new AskReply(name, ref.path, core.clock, options)
      core.deadLetter(ref, name, payload, reasonOf(ref), reply)
      return reply.promise
    },
    watch(ref, listener) {
      const notice: TerminationNotice = { ref, reason: reasonOf(ref) }
      queueMicrotask(() => core.notify(listener, notice))
      return () => {}
    },
  }
}

function localCell(ref: ActorRef, what: string): Cell {
  const target = targetOf(ref)
  if (target instanceof Cell) return target
  throw new TypeError(`${what} takes a ref to a local actor, got ${String(ref)}`)
}

/**
 * Creates an actor system.
 *
 * @example
 * const system = createActorSystem()
 * const counter = system.spawn(() => {
 *   let count = 0
 *   return {
 *     add(n: number) {
 *       count += n
 *     },
 *     get: () => count,
 *   }
 * })
 * counter.tell('add', 2)
 * await counter.ask('get') // 2
 */
export function createActorSystem(options: ActorSystemOptions = {}): ActorSystem {
  const { id, clock, mailbox, supervisor } = resolveSystem(options)
  const core = new SystemCore(id, clock, mailbox, supervisor)

  const api: ActorSystem = {
    id,
    events: core.events,
    spawn(behavior: unknown, spawnOptions?: SpawnOptions) {
      if (core.shutDown) throw new Error(`actor system ${id} is shut down`)
      return core.root.spawnChild(behavior, spawnOptions).self as never
    },
    lookup(path: string) {
      return core.find(path)?.self as never
    },
    stop(ref: ActorRef, stopOptions: StopOptions = {}) {
      try {
        return localCell(ref, 'stop()').stop(stopOptions.drain === true)
      } catch (error) {
        return Promise.reject(error)
      }
    },
    watch(ref: ActorRef, listener: (notice: TerminationNotice) => void) {
      if (typeof listener !== 'function') throw new TypeError('watch() takes a listener function')
      let active = true
      const unwatch = core.watch(ref, (notice) => {
        if (!active) return
        active = false
        listener(notice)
      })
      return () => {
        active = false
        unwatch()
      }
    },
    stats(ref: ActorRef): ActorStats | undefined {
      const target = targetOf(ref)
      return target instanceof Cell ? target.stats() : undefined
    },
    connect(endpoint: Endpoint, connectOptions: SystemConnectOptions = {}): RemoteSystem {
      if (core.shutDown) throw new Error(`actor system ${id} is shut down`)
      return new Link(core, endpoint, connectOptions)
    },
    async shutdown(stopOptions: StopOptions = {}) {
      core.shutDown = true
      const children = core.root.children
      if (children !== undefined) {
        const drain = stopOptions.drain === true
        await Promise.all(Array.from(children.values(), (cell) => cell.stop(drain)))
      }
      for (const link of Array.from(core.links)) link.close()
    },
  }
  core.api = api
  Object.defineProperty(api, coreKey, { value: core })
  return api
}

/**
 * Where a system keeps its core, for the test kit. A registered symbol, so that a second copy of
 * this module (the CommonJS build of the `testing` entry) finds the core of a system made by
 * the first.
 */
const coreKey = Symbol.for('@entangle/actors.core')

/** The core behind a system made by `createActorSystem` (for the test kit). */
export function coreOf(system: ActorSystem): SystemCore {
  const core = (system as unknown as Record<symbol, SystemCore | undefined>)[coreKey]
  if (core === undefined)
    throw new TypeError('expected an actor system made by createActorSystem()')
  return core
}
