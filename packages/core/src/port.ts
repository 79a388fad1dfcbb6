/**
 * `MessagePort` and `MessageChannel`: two entangled ports that deliver cloned messages to each
 * other, with the semantics of Cloudflare Workers (see ../README.md for the rules and the few
 * deliberate deviations).
 *
 * How a message travels:
 * 1. `postMessage` checks the transfer argument, clones the value (clone.ts) and hands the copy to
 *    the peer port.
 * 2. A started peer queues it as a job in the delivery queue (scheduler.ts), which runs each job as
 *    its own microtask, in posting order. A peer that is not started keeps it in its buffer until
 *    `start()` (or a first listener) drains the buffer in one job.
 * 3. The job wraps the copy in a `MessageEvent` and calls the port's `message` listeners in
 *    registration order. A listener that throws gets a `messageerror` event on the same port; the
 *    remaining listeners still run.
 *
 * Ports keep their own listener lists rather than using the host's `EventTarget` machinery: it
 * is what makes delivery cheap, and it gives the same listener and error semantics on every host.
 * `port instanceof EventTarget` still holds.
 */
import { clone, kNotSerializable } from './clone.js'
import {
  createMessageEvent,
  isOwnEvent,
  type MessageEvent,
  setDispatchTarget,
  stoppedImmediately,
} from './event.js'
import { type Delivery, run, schedule } from './scheduler.js'

/** The events a port dispatches. */
export interface MessagePortEventMap {
  message: MessageEvent
  messageerror: MessageEvent
  close: Event
}

/** A listener for events of type `E`: a function, or an object with a `handleEvent` method. */
export type Listening<E> =
  | ((this: MessagePort, event: E) => unknown)
  | { handleEvent(event: E): unknown }

/** The options object form of `postMessage`'s second argument. Only an empty `transfer` is allowed. */
export interface StructuredSerializeOptions {
  transfer?: readonly unknown[]
}

/** Options of `new MessageChannel(options)`; an extension of the standard constructor. */
export interface MessageChannelOptions {
  /**
   * `'microtask'` (default): each message is delivered in its own microtask, as in workerd. A
   * handler that always posts back keeps the microtask queue busy and starves timers and I/O.
   *
   * `'fair'`: messages are delivered in batches, one batch per turn of the host's event loop
   * (`setImmediate`, else a host `MessageChannel`, else `setTimeout`), so timers and I/O run
   * between batches. Within a batch each message still gets its own microtask.
   */
  delivery?: Delivery
}

/** What an `on<type>` attribute holds: a function or object, or null. */
type Handler = object | null
type HandlerFn = (this: MessagePort, event: unknown) => unknown

/** One registered listener; `handler` marks the slot of an `on<type>` event handler. */
interface Listener {
  readonly fn: EventListenerOrEventListenerObject | null
  readonly capture: boolean
  readonly once: boolean
  readonly handler: boolean
  removed: boolean
  signal: AbortSignal | null
  abort: (() => void) | null
}

const NO_LISTENERS: readonly Listener[] = Object.freeze([])

/** The part of a port's state that most ports never need. */
interface Rare {
  /** Listeners of every type but `message`. */
  listeners: Map<string, readonly Listener[]>
  onmessageerror: Handler
  onclose: Handler
  /** How many messages at the head of the buffer were put back by jobs that ran unstarted. */
  rebuffered: number
}

// Bits of a port's `#state`.
const CLOSED = 1
const STARTED = 2
const FAIR = 4

/** The key of `MessagePort#[postUncloned]`, shared through the global symbol registry. */
const postUncloned: unique symbol = Symbol.for('entangle.postUncloned') as never

/** @internal Creates a port; `new MessagePort()` is not allowed from outside. */
let createPort: (delivery: Delivery) => MessagePort
/** @internal Joins two fresh ports. */
let entangle: (a: MessagePort, b: MessagePort) => void

/**
 * One end of a `MessageChannel`. Post with `postMessage`, receive with `onmessage` or
 * `addEventListener('message', ...)`. Ports cannot be constructed directly, transferred, or sent
 * inside a message.
 *
 * @example
 * ```ts
 * const { port1, port2 } = new MessageChannel()
 * port2.onmessage = (event) => console.log(event.data) // { hello: 'world' }
 * port1.postMessage({ hello: 'world' })
 * ```
 */
export class MessagePort implements EventTarget {
  // A port is kept small (an open channel should cost a few hundred bytes): what every port needs
  // is in fields, what few ports use is in `#rare`, allocated on first use.
  #peer: MessagePort | null = null
  /** CLOSED | STARTED | FAIR bits. */
  #state: number
  /** Messages received while not started, oldest first. */
  #buffer: unknown[] | null = null
  #message: readonly Listener[] = NO_LISTENERS
  #onmessage: Handler = null
  #rare: Rare | null = null

  private constructor(token: symbol, delivery: Delivery) {
    if (token !== PRIVATE) throw new TypeError('Illegal constructor')
    this.#state = delivery === 'fair' ? FAIR : 0
  }

  static {
    createPort = (delivery) => new MessagePort(PRIVATE, delivery)
    entangle = (a, b) => {
      a.#peer = b
      b.#peer = a
    }
  }

  /**
   * Sends a structured clone of `message` to the other port. The clone is made now, inside this
   * call: getters run, and later changes to `message` are not seen by the receiver.
   *
   * @param message - any value `structuredClone` accepts; omitted means `undefined`.
   * @param transferOrOptions - accepted only as `undefined`, `null`, `[]` or `{ transfer: [] }`:
   *   transfer lists are not supported.
   * @throws `Error` "Transfer list is not supported" for a non-empty transfer list (checked first).
   * @throws `TypeError` for a second argument that is neither a list nor an options object.
   * @throws `DOMException` `DataCloneError` for a value that cannot be cloned (a function, a
   *   symbol, a port, ...); `TypeError` for a `SharedArrayBuffer`. Nothing is sent then.
   *
   * Posting on a closed port, or to a peer that closed, silently does nothing (after the checks).
   */
  postMessage(
    message?: unknown,
    transferOrOptions?: readonly unknown[] | StructuredSerializeOptions | null,
  ): void {
    if (transferOrOptions !== undefined && transferOrOptions !== null)
      checkTransfer(transferOrOptions)
    const data = clone(message)
    const peer = this.#peer
    if (peer !== null) peer.#receive(data)
  }

  /**
   * For libraries built on this package (`@entangle/actors` uses it): posts `message` as it is,
   * without cloning it and without the checks of `postMessage`. The caller hands the value over and
   * must not touch it again; it must be something `postMessage` would accept, and a value whose
   * clone equals itself (say, an array of primitives made for this message), so that the receiver
   * cannot tell the difference. The method is keyed by `Symbol.for('entangle.postUncloned')` so a
   * library finds it without importing this package.
   */
  [postUncloned](message: unknown): void {
    const peer = this.#peer
    if (peer !== null) peer.#receive(message)
  }

  /**
   * Starts delivering messages: everything buffered so far is delivered in one microtask, in
   * order. Setting `onmessage` or adding a `message` listener starts the port too. Calling it
   * again, or after `close()`, does nothing.
   */
  start(): void {
    if ((this.#state & (CLOSED | STARTED)) !== 0) return
    this.#state |= STARTED
    if (this.#buffer !== null && this.#buffer.length > 0)
      schedule(this, DRAIN, (this.#state & FAIR) !== 0)
  }

  /**
   * Disentangles both ports. A `close` event is dispatched, synchronously, on the peer and then
   * on this port. Messages buffered in a port that was not started are dropped; messages already
   * scheduled for delivery are still delivered. Calling it again does nothing.
   */
  close(): void {
    if ((this.#state & CLOSED) !== 0) return
    const peer = this.#peer
    this.#shut()
    if (peer !== null) {
      peer.#shut()
      peer.#dispatchPlain('close')
    }
    this.#dispatchPlain('close')
  }

  /** The `message` event handler; setting a function (or object) starts the port. */
  get onmessage(): ((this: MessagePort, event: MessageEvent) => unknown) | null {
    return this.#onmessage as never
  }
  set onmessage(value: ((this: MessagePort, event: MessageEvent) => unknown) | null) {
    this.#setHandler('message', value)
  }
  /** The `messageerror` event handler: receives what a `message` listener threw, as `data`. */
  get onmessageerror(): ((this: MessagePort, event: MessageEvent) => unknown) | null {
    return (this.#rare?.onmessageerror ?? null) as never
  }
  set onmessageerror(value: ((this: MessagePort, event: MessageEvent) => unknown) | null) {
    this.#setHandler('messageerror', value)
  }
  /** The `close` event handler. */
  get onclose(): ((this: MessagePort, event: Event) => unknown) | null {
    return (this.#rare?.onclose ?? null) as never
  }
  set onclose(value: ((this: MessagePort, event: Event) => unknown) | null) {
    this.#setHandler('close', value)
  }

  /**
   * Registers a listener, as `EventTarget#addEventListener` does (`once`, `signal` and `capture`
   * are honoured; a listener is registered once per type and capture flag). Adding a `message`
   * listener starts the port.
   */
  addEventListener<K extends keyof MessagePortEventMap>(
    type: K,
    listener: Listening<MessagePortEventMap[K]> | null,
    options?: boolean | AddEventListenerOptions,
  ): void
  addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void
  addEventListener(
    type: string,
    listener: unknown,
    options?: boolean | AddEventListenerOptions,
  ): void {
    if (listener === null || listener === undefined) return
    if (typeof listener !== 'function' && typeof listener !== 'object') {
      throw new TypeError(
        `addEventListener: the listener must be a function or an object, got ${typeof listener}`,
      )
    }
    type = String(type)
    const capture = typeof options === 'boolean' ? options : Boolean(options?.capture)
    const once = typeof options === 'object' && options !== null && Boolean(options.once)
    const signal = typeof options === 'object' && options !== null ? (options.signal ?? null) : null
    if (signal?.aborted) return
    const list = this.#listeners(type)
    for (const l of list) if (l.fn === listener && l.capture === capture) return
    const record: Listener = {
      fn: listener as EventListenerOrEventListenerObject,
      capture,
      once,
      handler: false,
      removed: false,
      signal,
      abort: null,
    }
    if (signal !== null) {
      record.abort = () => this.#remove(type, record)
      signal.addEventListener('abort', record.abort, { once: true })
    }
    this.#setListeners(type, [...list, record])
    if (type === 'message') this.start()
  }

  /**
   * Removes a listener added with the same type and capture flag. Removing the last `message`
   * listener while `onmessage` is null makes the port buffer incoming messages again.
   */
  removeEventListener<K extends keyof MessagePortEventMap>(
    type: K,
    listener: Listening<MessagePortEventMap[K]> | null,
    options?: boolean | EventListenerOptions,
  ): void
  removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | EventListenerOptions,
  ): void
  removeEventListener(
    type: string,
    listener: unknown,
    options?: boolean | EventListenerOptions,
  ): void {
    if (listener === null || listener === undefined) return
    type = String(type)
    const capture = typeof options === 'boolean' ? options : Boolean(options?.capture)
    for (const l of this.#listeners(type)) {
      if (l.fn === listener && l.capture === capture && !l.handler) {
        this.#remove(type, l)
        return
      }
    }
  }

  /**
   * Dispatches `event` to this port's listeners of `event.type`, synchronously, and returns
   * `false` if a listener cancelled it. Dispatching a `message` event does not involve the peer.
   */
  dispatchEvent(event: Event): boolean {
    if (typeof event !== 'object' || event === null || !(event instanceof Event)) {
      throw new TypeError('dispatchEvent: the argument must be an Event')
    }
    if (isOwnEvent(event)) {
      this.#dispatch(event.type, event)
    } else {
      this.#dispatchForeign(event)
    }
    return !event.defaultPrevented
  }

  // --- receiving -------------------------------------------------------------------------------

  #receive(data: unknown): void {
    const state = this.#state
    if ((state & STARTED) !== 0) {
      schedule(this, data, (state & FAIR) !== 0)
    } else if ((state & CLOSED) === 0) {
      if (this.#buffer === null) this.#buffer = [data]
      else this.#buffer.push(data)
    }
  }

  /** Runs one delivery job (called by the scheduler; never throws). */
  [run](data: unknown): void {
    if (data === DRAIN) {
      this.#drain()
      return
    }
    if ((this.#state & STARTED) === 0) {
      // The last listener went away after this job was queued: keep the message for the next one.
      if ((this.#state & CLOSED) === 0) {
        if (this.#buffer === null) this.#buffer = []
        const rare = this.#rareState()
        this.#buffer.splice(rare.rebuffered++, 0, data)
      }
      return
    }
    const list = this.#message
    if (list.length === 0) return
    const event = createMessageEvent('message', data)
    this.#invoke('message', list, event)
  }

  #drain(): void {
    const buffer = this.#buffer
    if ((this.#state & STARTED) === 0 || buffer === null) return
    this.#buffer = null
    if (this.#rare !== null) this.#rare.rebuffered = 0
    for (let i = 0; i < buffer.length; i++) {
      const list = this.#message
      if (list.length === 0) {
        // A listener removed itself mid-drain: what remains goes back to the buffer, in order.
        if ((this.#state & CLOSED) === 0) this.#buffer = buffer.slice(i).concat(this.#buffer ?? [])
        return
      }
      this.#invoke('message', list, createMessageEvent('message', buffer[i]))
    }
  }

  #rareState(): Rare {
    if (this.#rare === null) {
      this.#rare = { listeners: new Map(), onmessageerror: null, onclose: null, rebuffered: 0 }
    }
    return this.#rare
  }

  #shut(): void {
    this.#state |= CLOSED
    this.#peer = null
    this.#buffer = null
    if (this.#rare !== null) this.#rare.rebuffered = 0
  }

  // --- listeners -------------------------------------------------------------------------------

  #listeners(type: string): readonly Listener[] {
    if (type === 'message') return this.#message
    return this.#rare?.listeners.get(type) ?? NO_LISTENERS
  }

  #setListeners(type: string, list: readonly Listener[]): void {
    if (type === 'message') {
      this.#message = list
      return
    }
    const listeners = this.#rareState().listeners
    if (list.length === 0) listeners.delete(type)
    else listeners.set(type, list)
  }

  #remove(type: string, record: Listener): void {
    if (record.removed) return
    record.removed = true
    if (record.signal !== null && record.abort !== null) {
      record.signal.removeEventListener('abort', record.abort)
    }
    const list = this.#listeners(type).filter((l) => l !== record)
    this.#setListeners(type, list)
    if (type === 'message' && list.length === 0) this.#state &= ~STARTED
  }

  #setHandler(type: 'message' | 'messageerror' | 'close', value: unknown): void {
    const handler =
      typeof value === 'function' || (typeof value === 'object' && value !== null) ? value : null
    if (type === 'message') this.#onmessage = handler
    else if (type === 'messageerror') this.#rareState().onmessageerror = handler
    else this.#rareState().onclose = handler
    const list = this.#listeners(type)
    const slot = list.find((l) => l.handler)
    if (handler === null) {
      if (slot !== undefined) this.#remove(type, slot)
      return
    }
    if (slot === undefined) {
      const record: Listener = {
        fn: null,
        capture: false,
        once: false,
        handler: true,
        removed: false,
        signal: null,
        abort: null,
      }
      this.#setListeners(type, [...list, record])
    }
    if (type === 'message') this.start()
  }

  // --- dispatch --------------------------------------------------------------------------------

  /** Calls `list`'s listeners with `event`; errors never escape. */
  #invoke(type: string, list: readonly Listener[], event: MessageEvent): void {
    setDispatchTarget(event, this)
    for (let i = 0; i < list.length; i++) {
      const l = list[i] as Listener
      if (l.removed) continue
      if (l.once) this.#remove(type, l)
      try {
        if (l.handler) {
          const h = this.#handlerOf(type)
          if (typeof h === 'function') (h as HandlerFn).call(this, event)
        } else if (typeof l.fn === 'function') {
          l.fn.call(this, event as unknown as Event)
        } else {
          callHandleEvent(l.fn as EventListenerObject, event)
        }
      } catch (error) {
        this.#listenerThrew(type, error)
      }
      if (stoppedImmediately(event)) break
    }
    setDispatchTarget(event, null)
  }

  #handlerOf(type: string): Handler {
    if (type === 'message') return this.#onmessage
    if (type === 'messageerror') return this.#rare?.onmessageerror ?? null
    if (type === 'close') return this.#rare?.onclose ?? null
    return null
  }

  /** A `message` listener's error becomes a `messageerror` event; any other is reported. */
  #listenerThrew(type: string, error: unknown): void {
    if (type !== 'message') {
      reportError(error)
      return
    }
    const list = this.#listeners('messageerror')
    if (list.length === 0) {
      reportError(error)
      return
    }
    this.#invoke('messageerror', list, createMessageEvent('messageerror', error))
  }

  #dispatch(type: string, event: MessageEvent): void {
    const list = this.#listeners(type)
    if (list.length > 0) this.#invoke(type, list, event)
  }

  /** Dispatches an event made by the host's `Event` constructor (`close`, or a user's event). */
  #dispatchForeign(event: Event): void {
    let dispatching = true
    let stopped = false
    const stopImmediatePropagation = event.stopImmediatePropagation
    // The host keeps an event's target in internal slots that only its own dispatch may set, so
    // the event gets own properties that shadow those accessors.
    Object.defineProperties(event, {
      target: { value: this, configurable: true },
      srcElement: { value: this, configurable: true },
      currentTarget: { get: () => (dispatching ? this : null), configurable: true },
      eventPhase: { get: () => (dispatching ? 2 : 0), configurable: true },
      stopImmediatePropagation: {
        value() {
          stopped = true
          stopImmediatePropagation.call(event)
        },
        configurable: true,
      },
    })
    const list = this.#listeners(event.type)
    for (const l of list) {
      if (l.removed) continue
      if (l.once) this.#remove(event.type, l)
      try {
        if (l.handler) {
          const h = this.#handlerOf(event.type)
          if (typeof h === 'function') (h as HandlerFn).call(this, event)
        } else if (typeof l.fn === 'function') {
          l.fn.call(this, event)
        } else {
          callHandleEvent(l.fn as EventListenerObject, event)
        }
      } catch (error) {
        reportError(error)
      }
      if (stopped) break
    }
    dispatching = false
  }

  #dispatchPlain(type: string): void {
    if (this.#listeners(type).length > 0) this.#dispatchForeign(new Event(type))
  }
}

/**
 * A pair of entangled ports: what one posts, the other receives.
 *
 * @example
 * ```ts
 * const { port1, port2 } = new MessageChannel()
 * port2.onmessage = ({ data }) => port2.postMessage(data * 2)
 * port1.onmessage = ({ data }) => console.log(data) // 42
 * port1.postMessage(21)
 * ```
 */
export class MessageChannel {
  readonly #port1: MessagePort
  readonly #port2: MessagePort

  /** @param options - `delivery: 'fair'` to let timers run between batches of messages. */
  constructor(options?: MessageChannelOptions) {
    const delivery = options?.delivery ?? 'microtask'
    if (delivery !== 'microtask' && delivery !== 'fair') {
      throw new TypeError(
        `MessageChannel: delivery must be 'microtask' or 'fair', got ${String(delivery)}`,
      )
    }
    this.#port1 = createPort(delivery)
    this.#port2 = createPort(delivery)
    entangle(this.#port1, this.#port2)
  }

  get port1(): MessagePort {
    return this.#port1
  }
  get port2(): MessagePort {
    return this.#port2
  }
}

// --- helpers ---------------------------------------------------------------------------------

const PRIVATE = Symbol('MessagePort')
/** The job that drains a port's buffer (a marker, never a message: messages are clones). */
const DRAIN = Symbol('drain')

// Ports are EventTargets to `instanceof` and to the eye, without the host constructor's state.
Object.setPrototypeOf(MessagePort.prototype, EventTarget.prototype)
for (const [ctor, name] of [
  [MessagePort, 'MessagePort'],
  [MessageChannel, 'MessageChannel'],
] as const) {
  Object.defineProperty(ctor.prototype, kNotSerializable, { value: name })
  Object.defineProperty(ctor.prototype, Symbol.toStringTag, { value: name, configurable: true })
}

function callHandleEvent(listener: EventListenerObject, event: unknown): void {
  const handleEvent = listener.handleEvent
  if (typeof handleEvent !== 'function') {
    throw new TypeError("The listener object has no 'handleEvent' method")
  }
  handleEvent.call(listener, event as Event)
}

/**
 * Checks `postMessage`'s second argument, as WebIDL converts
 * `(sequence<object> or StructuredSerializeOptions)`, and refuses any non-empty transfer list.
 */
function checkTransfer(arg: unknown): void {
  if (Array.isArray(arg)) {
    if (arg.length > 0) throw new Error('Transfer list is not supported')
    return
  }
  if (typeof arg !== 'object' && typeof arg !== 'function') {
    throw new TypeError(
      `postMessage: the second argument must be a transfer list or an options object, got ${typeof arg}`,
    )
  }
  const obj = arg as { [Symbol.iterator]?: unknown; transfer?: unknown }
  if (typeof obj[Symbol.iterator] === 'function') {
    if (listSize(obj as Iterable<unknown>) > 0) throw new Error('Transfer list is not supported')
    return
  }
  const transfer = obj.transfer
  if (transfer === undefined) return
  if (
    (typeof transfer !== 'object' && typeof transfer !== 'function') ||
    transfer === null ||
    typeof (transfer as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== 'function'
  ) {
    throw new TypeError("postMessage: the 'transfer' option must be an array")
  }
  if (listSize(transfer as Iterable<unknown>) > 0) throw new Error('Transfer list is not supported')
}

function listSize(list: Iterable<unknown>): number {
  if (Array.isArray(list)) return list.length
  let n = 0
  for (const _ of list) n++
  return n
}

/**
 * Reports an error a listener threw without throwing it into the dispatcher: through the host's
 * `reportError` where there is one (browsers, workerd), otherwise by rethrowing it in a microtask,
 * which reaches the host's uncaught-exception path (Node's `uncaughtException`).
 */
function reportError(error: unknown): void {
  const report = (globalThis as { reportError?: (e: unknown) => void }).reportError
  if (typeof report === 'function') {
    report(error)
    return
  }
  queueMicrotask(() => {
    throw error
  })
}
