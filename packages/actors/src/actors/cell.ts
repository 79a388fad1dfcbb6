/**
 * The cell: everything one local actor is at run time. It owns the mailbox and the loop that
 * takes one message at a time (awaiting async handlers, so a second message never starts before
 * the first settles), the lifecycle (start, graceful and immediate stop, restart), supervision of
 * its children, its timers and its watchers.
 *
 * Life of a cell, by `status`:
 *   STARTING  -> the behavior runs; messages queue until it returns the handlers
 *   RUNNING   -> messages are handled one at a time
 *   SUSPENDED -> a handler failed; messages queue while the supervisor decides (or backs off)
 *   DRAINING  -> graceful stop: new messages are refused, queued ones are still handled
 *   STOPPING  -> children stop, then `onStop` hooks run; the queue went to dead letters
 *   STOPPED   -> gone: watchers were told, the name is free again
 *
 * Everything the loop needs per message lives in the cell; nothing is allocated per message on
 * the synchronous path, and per-actor extras (mailbox, children, timers, watchers) only when used.
 */
import { AskReply, checkAskOptions } from './ask'
import { Context } from './context'
import { ActorError } from './errors'
import { type Entry, entry, Mailbox, type Name, type Reply } from './mailbox'
import {
  checkName,
  defaultSupervisor,
  type ResolvedMailbox,
  type ResolvedSupervisor,
  resolveMailbox,
  resolveSupervisor,
} from './options'
import { Ref, type Target } from './ref'
import { decide, planRestart } from './supervision'
import type { SystemCore } from './system'
import type {
  ActorStats,
  AskOptions,
  DeadLetterReason,
  SpawnOptions,
  StopCause,
  TerminationNotice,
  TerminationReason,
} from './types'

const STARTING = 0
const RUNNING = 1
const SUSPENDED = 2
const DRAINING = 3
const STOPPING = 4
const STOPPED = 5
const statusNames = ['starting', 'running', 'suspended', 'draining', 'stopping', 'stopped'] as const

/** Messages one run handles before letting other actors go. */
const BATCH = 256

/** A behavior with its types erased: what the cell calls. */
type AnyBehavior = (ctx: never) => unknown
type Hook = (cause: StopCause) => void | Promise<void>
type Handler = (this: unknown, payload: unknown) => unknown
interface Timer {
  handle: unknown
}

const noop = () => {}
const objectProto = Object.prototype as unknown as Record<string, unknown>
// Reused by the loop and by admission: they never run inside each other.
const taken: Entry = entry()
const admitted: Entry = entry()

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  )
}

/** One local actor. */
export class Cell implements Target {
  readonly path: string
  readonly self: Ref
  readonly ctx: Context
  status = STARTING
  private handlers: Record<string, unknown> | undefined
  private mailbox: Mailbox | undefined
  /** A handler (or a restart, or the final stop) is in progress. */
  private busy = false
  /** An async handler is in progress (an immediate stop abandons it). */
  private awaiting = false
  /** Queued in the system's ready list. */
  scheduled = false
  /** The reply of the async handler in progress. */
  private current: Reply | undefined
  private processed = 0
  private dropped = 0
  restarts = 0
  private reason: TerminationReason = 'stopped'
  children: Map<string, Cell> | undefined
  private watchers: Set<(notice: TerminationNotice) => void> | undefined
  /** Unwatch functions of this actor's own `ctx.watch` calls. */
  watching: Set<() => void> | undefined
  private timers: Set<Timer> | undefined
  private hooks: Hook[] | undefined
  private restartTimes: number[] | undefined
  private restartTimer: unknown
  /** Run, in order, once the cell is not busy (stop and restart wait for the current handler). */
  private idle: Array<() => void> | undefined
  private stopWaiters: Array<() => void> | undefined
  private onFulfilled: ((value: unknown) => void) | undefined
  private onRejected: ((error: unknown) => void) | undefined

  constructor(
    readonly system: SystemCore,
    readonly parent: Cell | undefined,
    readonly name: string,
    readonly uid: number,
    private readonly behavior: AnyBehavior,
    private readonly limits: ResolvedMailbox,
    /** How this actor supervises its children. */
    readonly supervisor: ResolvedSupervisor,
  ) {
    this.path = parent === undefined ? '' : `${parent.path}/${name}`
    this.self = new Ref(system.id, this.path, uid, this)
    this.ctx = new Context(this)
  }

  // -------------------------------------------------------------------------------------------
  // Receiving: the Target side of `ref.tell` / `ref.ask`, and deliveries from connections.

  tell(_ref: Ref, name: string, payload: unknown): Promise<void> | undefined {
    return this.send(name, payload, undefined, true, false)
  }

  ask(_ref: Ref, name: string, payload: unknown, options: AskOptions | undefined) {
    if (options !== undefined) checkAskOptions(options)
    const reply = new AskReply(name, this.path, this.system.clock, options)
    if (!reply.done) this.send(name, payload, reply, true, false)
    return reply.promise
  }

  watch(_ref: Ref, listener: (notice: TerminationNotice) => void): () => void {
    if (this.status === STOPPED) {
      const notice = { ref: this.self, reason: this.reason }
      queueMicrotask(() => this.system.notify(listener, notice))
      return noop
    }
    this.watchers ??= new Set()
    const watchers = this.watchers
    watchers.add(listener)
    return () => watchers.delete(listener)
  }

  /**
   * Puts a message in the mailbox. `sender`: a local caller who can be answered synchronously
   * (a `reject` overflow throws, a `suspend` one returns a promise). `inline`: run the loop now
   * instead of in a microtask (for deliveries from a port, already on a fresh stack).
   */
  send(
    name: Name,
    payload: unknown,
    reply: Reply | undefined,
    sender: boolean,
    inline: boolean,
  ): Promise<void> | undefined {
    if (this.status > SUSPENDED) {
      this.deadLetter(name, payload, reply, 'stopped')
      return undefined
    }
    const idle = this.status === RUNNING && !this.busy && this.handlers !== undefined
    if (inline && idle && (this.mailbox === undefined || this.mailbox.size === 0)) {
      // Nothing queued and nothing in progress: handle it now, without a trip through the ring.
      this.busy = true
      if (this.handle(name, payload, reply)) this.resumeLoop()
      return undefined
    }
    this.mailbox ??= new Mailbox()
    const mailbox = this.mailbox
    if (mailbox.size >= this.limits.capacity && typeof name === 'string') {
      return this.overflow(mailbox, name, payload, reply, sender)
    }
    mailbox.push(name, payload, reply)
    if (idle) {
      if (inline) this.run()
      else this.system.schedule(this)
    }
    return undefined
  }

  private overflow(
    mailbox: Mailbox,
    name: string,
    payload: unknown,
    reply: Reply | undefined,
    sender: boolean,
  ): Promise<void> | undefined {
    switch (this.limits.overflow) {
      case 'reject':
        this.dropped++
        this.deadLetter(name, payload, reply, 'mailbox-full')
        if (sender && reply === undefined) {
          throw new ActorError(
            'MAILBOX_FULL',
            `the mailbox of ${this.path} is full (${this.limits.capacity} messages)`,
          )
        }
        return undefined
      case 'drop-oldest':
        mailbox.shift(taken)
        // Bookkeeping entries (watch notices) are never evicted: the new message goes instead.
        if (typeof taken.name === 'string') {
          const { name: oldName, payload: oldPayload, reply: oldReply } = taken
          taken.payload = taken.reply = undefined
          mailbox.push(name, payload, reply)
          this.dropped++
          this.deadLetter(oldName, oldPayload, oldReply, 'dropped-oldest')
          return undefined
        }
        mailbox.push(taken.name, taken.payload, taken.reply)
        taken.payload = taken.reply = undefined
        this.dropped++
        this.deadLetter(name, payload, reply, 'dropped-newest')
        return undefined
      case 'suspend':
        if (!sender || reply !== undefined) {
          mailbox.wait(name, payload, reply, undefined)
          return undefined
        }
        return new Promise((resolve) => mailbox.wait(name, payload, undefined, resolve))
      default:
        this.dropped++
        this.deadLetter(name, payload, reply, 'dropped-newest')
        return undefined
    }
  }

  private deadLetter(
    name: Name,
    payload: unknown,
    reply: Reply | undefined,
    reason: DeadLetterReason,
  ): void {
    // A bookkeeping entry for a stopped actor has nobody to tell.
    if (typeof name === 'string') this.system.deadLetter(this.self, name, payload, reason, reply)
  }

  // -------------------------------------------------------------------------------------------
  // The loop.

  /** Handles messages until the mailbox is empty, a handler is async, or the batch is used up. */
  run(): number {
    const mailbox = this.mailbox
    if (this.busy || mailbox === undefined || this.handlers === undefined) return 0
    this.busy = true
    let count = 0
    while ((this.status === RUNNING || this.status === DRAINING) && mailbox.shift(taken)) {
      const name = taken.name
      const payload = taken.payload
      const reply = taken.reply
      taken.payload = taken.reply = undefined
      if (mailbox.waiting > 0) mailbox.admit(admitted)
      if (reply?.done) continue // the asker gave up before it started
      count++
      if (!this.handle(name, payload, reply)) return count
      if (count >= BATCH && mailbox.size > 0) {
        this.busy = false
        this.system.schedule(this)
        return count
      }
    }
    this.busy = false
    this.settled()
    return count
  }

  /** After a message handled outside `run`: goes on with what it queued, or settles. */
  private resumeLoop(): void {
    this.busy = false
    if (this.mailbox !== undefined && this.mailbox.size > 0) this.run()
    else this.settled()
  }

  /**
   * Handles one message; `busy` is set. Returns true when it is done and the next may follow;
   * false when an async handler is in progress, or the handler failed (then `busy` is cleared
   * and the supervisor was told).
   */
  private handle(name: Name, payload: unknown, reply: Reply | undefined): boolean {
    const handlers = this.handlers as Record<string, unknown>
    let handler: unknown = name
    if (typeof name === 'string') {
      handler = handlers[name]
      if (
        typeof handler !== 'function' ||
        name === 'constructor' ||
        handler === objectProto[name]
      ) {
        this.deadLetter(name, payload, reply, 'unhandled')
        return true
      }
    }
    this.system.ticks++
    let result: unknown
    try {
      result = (handler as Handler).call(handlers, payload)
      // Inside the try: a thenable whose `then` throws is a failure of the handler too.
      if (isThenable(result)) {
        this.awaiting = true
        this.current = reply
        this.onFulfilled ??= (value) => this.handled(value)
        this.onRejected ??= (error) => this.handlerFailed(error)
        result.then(this.onFulfilled, this.onRejected)
        return false
      }
    } catch (error) {
      this.awaiting = false
      this.current = undefined
      this.processed++
      this.busy = false
      this.fail(error, reply)
      this.settled()
      return false
    }
    this.processed++
    reply?.resolve(result)
    return true
  }

  /** An async handler resolved. */
  private handled(value: unknown): void {
    if (!this.awaiting) return // abandoned by an immediate stop: the result is dropped
    this.awaiting = false
    const reply = this.current
    this.current = undefined
    this.processed++
    this.system.ticks++
    this.busy = false
    reply?.resolve(value)
    this.run()
  }

  /** An async handler rejected. */
  private handlerFailed(error: unknown): void {
    if (!this.awaiting) {
      this.system.report(error) // abandoned by an immediate stop: nobody else can be told
      return
    }
    this.awaiting = false
    const reply = this.current
    this.current = undefined
    this.processed++
    this.system.ticks++
    this.busy = false
    this.fail(error, reply)
    this.run()
  }

  /** The cell just stopped being busy: run what waited for that, or finish a drain. */
  private settled(): void {
    const idle = this.idle
    while (idle !== undefined && idle.length > 0 && !this.busy) (idle.shift() as () => void)()
    if (this.status === DRAINING && !this.busy && this.handlers !== undefined) {
      const mailbox = this.mailbox
      if (mailbox === undefined || (mailbox.size === 0 && mailbox.waiting === 0)) {
        this.terminate(this.reason)
      }
    }
  }

  /** Runs `fn` now if nothing is in progress, else once the current handler settles. */
  private whenIdle(fn: () => void): void {
    if (!this.busy) {
      fn()
      return
    }
    this.idle ??= []
    this.idle.push(fn)
  }

  /** Starts the loop in a microtask if there is something to do. */
  private kick(): void {
    if (this.mailbox !== undefined && this.mailbox.size > 0) this.system.schedule(this)
    else this.settled()
  }

  // -------------------------------------------------------------------------------------------
  // Lifecycle.

  /** Runs the behavior; messages wait until it returns the handlers. */
  start(): void {
    let result: unknown
    try {
      result = this.behavior(this.ctx as never)
    } catch (error) {
      this.fail(error, undefined)
      return
    }
    if (isThenable(result)) {
      result.then(
        (handlers) => this.started(handlers),
        (error) => this.startFailed(error),
      )
    } else {
      this.started(result)
    }
  }

  private started(handlers: unknown): void {
    if (this.status !== STARTING && this.status !== DRAINING) return // stopped meanwhile
    if (typeof handlers !== 'object' || handlers === null) {
      const got = handlers === null ? 'null' : typeof handlers
      this.startFailed(
        new TypeError(`the behavior of ${this.path} must return an object of handlers, got ${got}`),
      )
      return
    }
    this.handlers = handlers as Record<string, unknown>
    this.system.ticks++
    if (this.status === STARTING) this.status = RUNNING
    if (this.restarts === 0) this.system.emit('started', this.self)
    else this.system.emit('restarted', this.self, this.restarts)
    this.kick()
  }

  private startFailed(error: unknown): void {
    if (this.status === STARTING || this.status === DRAINING) this.fail(error, undefined)
    else this.system.report(error)
  }

  /**
   * Stops the actor and resolves once it has terminated. `drain`: handle what is queued first;
   * else the queue goes to dead letters (asks reject with 'STOPPED') after the current message.
   */
  stop(drain: boolean): Promise<void> {
    if (this.status === STOPPED) return Promise.resolve()
    const stopped = new Promise<void>((resolve) => {
      this.stopWaiters ??= []
      this.stopWaiters.push(resolve)
    })
    if (this.status === STOPPING) {
      // Stopping already (`ctx.stop()` from an async handler waits for it): an immediate stop
      // does not wait for that handler any longer.
      if (!drain && this.awaiting) {
        this.abandon()
        this.settled()
      }
      return stopped
    }
    if (drain && (this.status === RUNNING || this.status === STARTING)) {
      this.status = DRAINING
      if (!this.busy && this.handlers !== undefined) this.kick()
    } else if (!(drain && this.status === DRAINING)) {
      this.terminate('stopped')
    }
    return stopped
  }

  /**
   * Immediate stop: refuse everything, drop the queue, abandon an async handler in progress (its
   * ask rejects with 'STOPPED' now, its late result is dropped), then finish. A restart in
   * progress is waited for.
   */
  private terminate(reason: TerminationReason): void {
    if (this.status >= STOPPING) return
    this.status = STOPPING
    this.system.ticks++
    this.reason = reason
    if (this.restartTimer !== undefined) {
      this.system.clock.clearTimeout(this.restartTimer)
      this.restartTimer = undefined
    }
    this.clearTimers()
    this.abandon()
    this.flushMailbox()
    this.whenIdle(() => void this.finish())
  }

  /** Gives up the async handler in progress: its ask rejects 'STOPPED', its late result is dropped. */
  private abandon(): void {
    if (!this.awaiting) return
    this.awaiting = false
    this.busy = false
    const reply = this.current
    this.current = undefined
    reply?.reject(new ActorError('STOPPED', `${this.path} stopped while handling the ask`))
  }

  private flushMailbox(): void {
    const mailbox = this.mailbox
    if (mailbox === undefined) return
    const out = entry()
    while (mailbox.shift(out)) this.deadLetter(out.name, out.payload, out.reply, 'stopped')
    while (mailbox.shiftWaiter(out)) {
      this.deadLetter(out.name, out.payload, out.reply, 'stopped')
      out.wake?.()
    }
  }

  private async finish(): Promise<void> {
    this.busy = true
    this.unwatchAll()
    await this.stopChildren()
    await this.runHooks('stop')
    this.status = STOPPED
    this.system.ticks++
    this.busy = false
    this.handlers = this.mailbox = this.onFulfilled = this.onRejected = undefined
    const siblings = this.parent?.children
    if (siblings?.get(this.name) === this) siblings.delete(this.name)
    this.system.forget(this)
    const notice: TerminationNotice = { ref: this.self, reason: this.reason }
    const watchers = this.watchers
    this.watchers = undefined
    if (watchers !== undefined) for (const watcher of watchers) this.system.notify(watcher, notice)
    this.system.emit('stopped', this.self, this.reason)
    const waiters = this.stopWaiters
    this.stopWaiters = undefined
    if (waiters !== undefined) for (const resolve of waiters) resolve()
    this.settled()
  }

  private async stopChildren(): Promise<void> {
    const children = this.children
    if (children === undefined || children.size === 0) return
    await Promise.all(Array.from(children.values(), (child) => child.stop(false)))
  }

  /** Runs the hooks, newest first, including any a hook (or a late async behavior) adds. */
  private async runHooks(cause: StopCause): Promise<void> {
    for (let hooks = this.hooks; hooks !== undefined; hooks = this.hooks) {
      this.hooks = undefined
      for (let i = hooks.length - 1; i >= 0; i--) await this.runHook(hooks[i] as Hook, cause)
    }
  }

  private async runHook(hook: Hook, cause: StopCause): Promise<void> {
    try {
      await hook(cause)
    } catch (error) {
      this.system.report(error)
    }
  }

  private unwatchAll(): void {
    const watching = this.watching
    this.watching = undefined
    if (watching !== undefined) for (const unwatch of watching) unwatch()
  }

  private clearTimers(): void {
    const timers = this.timers
    if (timers === undefined) return
    for (const timer of timers) this.system.clock.clearTimeout(timer.handle)
    timers.clear()
  }

  // -------------------------------------------------------------------------------------------
  // Failure and supervision.

  /** A handler or the behavior threw: the asker is told, the supervisor decides. */
  private fail(error: unknown, reply: Reply | undefined): void {
    reply?.reject(error)
    if (this.status >= STOPPING) {
      this.system.report(error)
      return
    }
    if (this.status === DRAINING) {
      // Going away anyway: keep draining if there are handlers, else stop now.
      this.system.emit('failed', this.self, error, 'resume')
      if (this.handlers === undefined) this.terminate('failed')
      else if (!this.busy) this.kick()
      return
    }
    this.status = SUSPENDED
    this.system.ticks++
    ;(this.parent as Cell).supervise(this, error)
  }

  /** Applies this actor's supervisor strategy to a failed child. */
  private supervise(child: Cell, error: unknown): void {
    const strategy = this.supervisor
    let directive = decide(strategy, error, child.self, (e) => this.system.report(e))
    if (directive === 'escalate' && this.parent === undefined) directive = 'stop'
    // A behavior that failed left no handlers to resume with.
    if (directive === 'resume' && child.handlers === undefined) directive = 'restart'
    let delay = 0
    if (directive === 'restart') {
      child.restartTimes ??= []
      delay = planRestart(strategy, child.restartTimes, this.system.clock.now())
      // Out of restarts within the window: the child is stopped, and the event says so.
      if (delay < 0) directive = 'stop'
    }
    this.system.emit('failed', child.self, error, directive)
    const targets = strategy.scope === 'all-for-one' ? this.liveChildren() : [child]
    switch (directive) {
      case 'resume':
        child.resume()
        return
      case 'restart':
        for (const target of targets) target.restartAfter(delay)
        return
      case 'stop':
        for (const target of targets) target.terminate('failed')
        return
      case 'escalate':
        this.fail(error, undefined)
        return
    }
  }

  private liveChildren(): Cell[] {
    const live: Cell[] = []
    if (this.children !== undefined) {
      for (const child of this.children.values()) if (child.status < DRAINING) live.push(child)
    }
    return live
  }

  /** Continues with the next message, state kept (and so do children suspended with it). */
  private resume(): void {
    if (this.status !== SUSPENDED || this.restartTimer !== undefined) return
    this.status = RUNNING
    if (this.children !== undefined) for (const child of this.children.values()) child.resume()
    if (!this.busy) this.kick()
  }

  /** Suspends now and restarts after `delay` ms on the system's clock (0: in a microtask). */
  private restartAfter(delay: number): void {
    if (this.status >= DRAINING) return
    this.status = SUSPENDED
    const restart = () => {
      this.restartTimer = undefined
      this.whenIdle(() => void this.restart())
    }
    if (this.restartTimer !== undefined) return // already on its way
    if (delay > 0) this.restartTimer = this.system.clock.setTimeout(restart, delay)
    else queueMicrotask(restart)
  }

  /** Stops children, runs the hooks ('restart'), then runs the behavior again: fresh state. */
  private async restart(): Promise<void> {
    if (this.status !== SUSPENDED) return
    this.busy = true
    this.clearTimers()
    this.unwatchAll()
    await this.stopChildren()
    await this.runHooks('restart')
    this.busy = false
    if (this.status !== SUSPENDED) {
      this.settled()
      return
    }
    this.restarts++
    this.handlers = undefined
    this.status = STARTING
    this.start()
  }

  // -------------------------------------------------------------------------------------------
  // What the context offers.

  /** Spawns a child of this cell. */
  spawnChild(behavior: unknown, options: SpawnOptions | undefined): Cell {
    const system = this.system
    if (typeof behavior !== 'function') {
      throw new TypeError(`spawn() takes a behavior function, got ${typeof behavior}`)
    }
    if (options !== undefined && (typeof options !== 'object' || options === null)) {
      throw new TypeError(`spawn options must be an object, got ${String(options)}`)
    }
    if (this.status >= STOPPING) {
      throw new Error(`cannot spawn a child of ${this.path || 'the system'}: it is stopping`)
    }
    const uid = system.nextUid()
    const name = options?.name === undefined ? `$${uid.toString(36)}` : checkName(options.name)
    this.children ??= new Map()
    const children = this.children
    if (children.has(name)) {
      throw new Error(`an actor named "${name}" already exists at ${this.path}/${name}`)
    }
    const limits = resolveMailbox(system.mailbox, options?.mailbox)
    const supervisor = resolveSupervisor(defaultSupervisor, options?.supervisor)
    const cell = new Cell(system, this, name, uid, behavior as AnyBehavior, limits, supervisor)
    children.set(name, cell)
    system.remember(cell)
    cell.start()
    return cell
  }

  /** Sends this actor one of its own messages later, or periodically. */
  schedule(ms: number, name: string, payload: unknown, periodic: boolean): () => void {
    if (!(typeof ms === 'number' && Number.isFinite(ms) && ms >= 0) || (periodic && ms === 0)) {
      const range = periodic ? 'a positive' : 'a non-negative'
      throw new TypeError(`the delay must be ${range} finite number of ms, got ${String(ms)}`)
    }
    if (typeof name !== 'string') throw new TypeError('the message name must be a string')
    if (this.status >= STOPPING) return noop
    const clock = this.system.clock
    this.timers ??= new Set()
    const timers = this.timers
    const timer: Timer = { handle: undefined }
    const fire = () => {
      if (periodic) timer.handle = clock.setTimeout(fire, ms)
      else timers.delete(timer)
      this.send(name, payload, undefined, false, false)
    }
    timer.handle = clock.setTimeout(fire, ms)
    timers.add(timer)
    return () => {
      if (timers.delete(timer)) clock.clearTimeout(timer.handle)
    }
  }

  /** Runs `fn(payload)` as a message of this actor (bypassing the capacity). */
  deliverInternal(fn: (payload: unknown) => unknown, payload: unknown): void {
    this.send(fn as (payload: unknown) => void, payload, undefined, false, false)
  }

  /** Registers an `onStop` hook. */
  addHook(hook: Hook): void {
    if (typeof hook !== 'function') throw new TypeError('onStop() takes a function')
    // Registered after the actor stopped (an async behavior that was still starting): run it now,
    // or what it would release (a connection, a file) would never be released.
    if (this.status === STOPPED) {
      void this.runHook(hook, 'stop')
      return
    }
    this.hooks ??= []
    this.hooks.push(hook)
  }

  /** True until the cell starts stopping. */
  get alive(): boolean {
    return this.status < DRAINING
  }

  /** True once the cell has terminated. */
  get stopped(): boolean {
    return this.status === STOPPED
  }

  /** True while a handler is in progress or messages wait (for the test kit's messages). */
  get active(): boolean {
    return this.busy || (this.mailbox !== undefined && this.mailbox.size > 0)
  }

  stats(): ActorStats {
    return {
      status: statusNames[this.status] as ActorStats['status'],
      mailbox: this.mailbox?.size ?? 0,
      waiting: this.mailbox?.waiting ?? 0,
      processed: this.processed,
      dropped: this.dropped,
      restarts: this.restarts,
    }
  }
}
