/**
 * Remote events. An eventemitter3 emitter returned or read across the port arrives as a
 * `RemoteEmitter`: a local eventemitter3 emitter that subscribes on the owner when its first local
 * listener for an event is added (SUB) and unsubscribes when the last one goes (UNSUB). The owner
 * forwards each subscribed event with one EMIT message.
 */
import { EventEmitter } from 'eventemitter3'
import type { Connection } from './connection'
import { SUB, UNSUB } from './protocol'
import type { ImportEntry } from './remote'

type Listener = (...args: unknown[]) => void

/** The owner's record of an exported emitter. */
export interface EmitterExport {
  readonly kind: 3
  readonly value: EventEmitter
  count: number
  /** Event name to the forwarding listener installed on `value`. */
  readonly subscriptions: Map<string, Listener>
}

/** Owner side: start forwarding `event` of the exported emitter `id`. */
export function subscribe(conn: Connection, id: number, entry: EmitterExport, event: string): void {
  if (entry.subscriptions.has(event)) return
  const listener: Listener = (...args) => conn.forwardEvent(id, event, args)
  entry.subscriptions.set(event, listener)
  entry.value.on(event, listener)
}

/** Owner side: stop forwarding `event`. */
export function unsubscribe(entry: EmitterExport, event: string): void {
  const listener = entry.subscriptions.get(event)
  if (listener === undefined) return
  entry.subscriptions.delete(event)
  entry.value.off(event, listener)
}

/** Owner side: stop forwarding everything (release, close). */
export function unsubscribeAll(entry: EmitterExport): void {
  for (const event of [...entry.subscriptions.keys()]) unsubscribe(entry, event)
}

// RemoteEmitter has no public constructor or internal methods; its static block sets these three
// functions, which the connection uses.

/** Creates the local emitter for an emitter the peer exported (`entry`). */
export let createEmitter: (conn: Connection, entry: ImportEntry) => RemoteEmitter
/** The emitter's export id on the owner's side, when it belongs to `conn` and is not released. */
export let emitterIdOn: (emitter: RemoteEmitter, conn: Connection) => number | undefined
/** The connection closed: the emitter stops subscribing; its local listeners stay. */
export let detachEmitter: (emitter: RemoteEmitter) => void

/**
 * A local eventemitter3 emitter mirroring one on the peer. Adding the first listener for an event
 * subscribes across the port, removing the last one unsubscribes. String event names only; symbol
 * events stay local. `emit()` on it is local too. Dispose (or `release()`) to drop it.
 *
 * @example
 * const events = await remote.events   // the owner's `events` is an EventEmitter
 * events.on('tick', (n) => console.log(n))
 */
export class RemoteEmitter<Events extends EventEmitter.ValidEventTypes = string | symbol>
  extends EventEmitter<Events>
  implements Disposable
{
  readonly #conn: Connection
  readonly #entry: ImportEntry
  #subscribed = 0
  #released = false

  private constructor(conn: Connection, entry: ImportEntry) {
    super()
    this.#conn = conn
    this.#entry = entry
  }

  static {
    createEmitter = (conn, entry) => new RemoteEmitter(conn, entry)
    emitterIdOn = (emitter, conn) =>
      conn === emitter.#conn && !emitter.#released ? emitter.#entry.id : undefined
    detachEmitter = (emitter) => {
      emitter.#released = true
      emitter.#subscribed = 0
    }
  }

  /** Adds a listener; the first one for a string event subscribes on the owner. */
  override on<T extends EventEmitter.EventNames<Events>>(
    event: T,
    fn: EventEmitter.EventListener<Events, T>,
    context?: unknown,
  ): this {
    const first = this.listenerCount(event) === 0
    super.on(event, fn, context)
    if (first) this.#change(event, SUB)
    return this
  }

  /** Same as `on()`. */
  override addListener<T extends EventEmitter.EventNames<Events>>(
    event: T,
    fn: EventEmitter.EventListener<Events, T>,
    context?: unknown,
  ): this {
    return this.on(event, fn, context)
  }

  /** Adds a listener for one call; the first listener for a string event subscribes on the owner. */
  override once<T extends EventEmitter.EventNames<Events>>(
    event: T,
    fn: EventEmitter.EventListener<Events, T>,
    context?: unknown,
  ): this {
    const first = this.listenerCount(event) === 0
    super.once(event, fn, context)
    if (first) this.#change(event, SUB)
    return this
  }

  /** Removes a listener; once an event has none left, the owner stops forwarding it. */
  override removeListener<T extends EventEmitter.EventNames<Events>>(
    event: T,
    fn?: EventEmitter.EventListener<Events, T>,
    context?: unknown,
    once?: boolean,
  ): this {
    const had = this.listenerCount(event) > 0
    super.removeListener(event, fn, context, once)
    if (had && this.listenerCount(event) === 0) this.#change(event, UNSUB)
    return this
  }

  /** Same as `removeListener()`. */
  override off<T extends EventEmitter.EventNames<Events>>(
    event: T,
    fn?: EventEmitter.EventListener<Events, T>,
    context?: unknown,
    once?: boolean,
  ): this {
    return this.removeListener(event, fn, context, once)
  }

  /** Removes the listeners of one event (or all); the owner stops forwarding it (or them). */
  override removeAllListeners(event?: EventEmitter.EventNames<Events>): this {
    const events =
      event === undefined ? this.eventNames() : this.listenerCount(event) > 0 ? [event] : []
    super.removeAllListeners(event)
    for (const name of events) this.#change(name, UNSUB)
    return this
  }

  /** Drops the remote emitter: local listeners are removed and the owner stops forwarding. */
  [Symbol.dispose](): void {
    if (this.#released) return
    this.#released = true
    super.removeAllListeners()
    if (this.#subscribed > 0) this.#conn.liveEmitters.delete(this)
    this.#subscribed = 0
    this.#conn.releaseImport(this.#entry)
  }

  #change(event: EventEmitter.EventNames<Events>, kind: typeof SUB | typeof UNSUB): void {
    if (typeof event !== 'string' || this.#released) return
    if (kind === SUB) {
      if (this.#subscribed++ === 0) this.#conn.liveEmitters.add(this)
    } else if (--this.#subscribed === 0) {
      this.#conn.liveEmitters.delete(this)
    }
    this.#conn.send([kind, this.#entry.id, event])
  }
}
