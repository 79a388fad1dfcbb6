/**
 * `MessageEvent`: what a port hands to its `message` and `messageerror` listeners.
 *
 * A lightweight event: `event instanceof Event` holds (the class's prototype chain runs through
 * the host's `Event.prototype`), but the host's `Event` constructor never runs, because on Node it
 * costs more than the rest of a delivery put together. Every accessor and method of `Event` is
 * therefore defined again on this class, so none of the host's brand-checked members is reached.
 *
 * One visible consequence: a host `EventTarget`'s own `dispatchEvent` does not accept these
 * events. Ports from this package dispatch them themselves (see `dispatch` in port.ts).
 */

/** Options of the `MessageEvent` constructor (the DOM's `MessageEventInit`, without `ports`). */
export interface MessageEventInit<T = unknown> {
  data?: T
  origin?: string
  lastEventId?: string
  bubbles?: boolean
  cancelable?: boolean
  composed?: boolean
}

const NO_PORTS: readonly never[] = Object.freeze([])

/** What few events carry beyond type and data. */
const extras = new WeakMap<object, { origin: string; lastEventId: string; timeStamp: number }>()

// Bits of `#flags`.
const DISPATCHING = 64
const STOP = 1
const STOP_IMMEDIATE = 2
const CANCELED = 4
const BUBBLES = 8
const CANCELABLE = 16
const COMPOSED = 32

/** @internal Creates the event for one delivered message without an init object. */
export let createMessageEvent: (type: string, data: unknown) => MessageEvent
/** @internal Marks an event as being dispatched at `target` (phase AT_TARGET), or done (null). */
export let setDispatchTarget: (event: MessageEvent, target: EventTarget | null) => void
/** @internal Whether a listener called `stopImmediatePropagation()`. */
export let stoppedImmediately: (event: MessageEvent) => boolean
/** @internal Whether `event` was made by this class (a brand check, not `instanceof`). */
export let isOwnEvent: (event: object) => event is MessageEvent

// The class below inherits Event's members at run time (its prototype chain runs through
// Event.prototype); this declaration tells TypeScript so, making a MessageEvent an Event.
// biome-ignore lint/correctness/noUnusedVariables: T must match the class's type parameter
export interface MessageEvent<T = unknown> extends Event {}

/**
 * The event a `MessagePort` dispatches for each message it receives (`type` `message`) and for each
 * error a message listener throws (`type` `messageerror`, with the error as `data`).
 *
 * @example
 * ```ts
 * port.addEventListener('message', (event) => console.log(event.data))
 * ```
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the members are inherited, see above
export class MessageEvent<T = unknown> {
  // Four fields only: one event is made per delivered message. The rarely set `origin` and
  // `lastEventId`, and the lazily read `timeStamp`, live in `extras`.
  #type: string
  #data: T
  #target: EventTarget | null = null
  #flags = 0

  /**
   * @param type - the event type, usually `message` or `messageerror`.
   * @param init - `data` (any value), `origin`, `lastEventId`, `bubbles`, `cancelable`, `composed`.
   */
  constructor(type: string, init?: MessageEventInit<T> | null) {
    if (type === undefined) {
      throw new TypeError('MessageEvent: the event type is required')
    }
    this.#type = String(type)
    this.#data = null as T
    if (init === undefined || init === null) return
    if (typeof init !== 'object' && typeof init !== 'function') {
      throw new TypeError("Failed to construct 'MessageEvent': the init argument is not an object.")
    }
    if (init.data !== undefined) this.#data = init.data
    if (init.origin !== undefined || init.lastEventId !== undefined) {
      extras.set(this, {
        origin: init.origin === undefined ? '' : String(init.origin),
        lastEventId: init.lastEventId === undefined ? '' : String(init.lastEventId),
        timeStamp: -1,
      })
    }
    this.#flags =
      (init.bubbles ? BUBBLES : 0) |
      (init.cancelable ? CANCELABLE : 0) |
      (init.composed ? COMPOSED : 0)
  }

  static {
    createMessageEvent = (type, data) => {
      const event = new MessageEvent(type)
      event.#data = data
      return event
    }
    setDispatchTarget = (event, target) => {
      if (target === null) {
        event.#flags &= ~DISPATCHING
      } else {
        event.#target = target
        event.#flags |= DISPATCHING
      }
    }
    stoppedImmediately = (event) => (event.#flags & STOP_IMMEDIATE) !== 0
    isOwnEvent = (event): event is MessageEvent => #flags in event
  }

  /** The message, as cloned by the sender's `postMessage`. */
  get data(): T {
    return this.#data
  }
  /** Always `""` for a channel message. */
  get origin(): string {
    return extras.get(this)?.origin ?? ''
  }
  /** Always `""` for a channel message. */
  get lastEventId(): string {
    return extras.get(this)?.lastEventId ?? ''
  }
  /** Always `null`: a channel message has no source window or worker. */
  get source(): null {
    return null
  }
  /** Always empty: ports cannot be transferred. */
  get ports(): readonly never[] {
    return NO_PORTS
  }
  get type(): string {
    return this.#type
  }
  /** The port the event was dispatched on (`null` before dispatch). */
  get target(): EventTarget | null {
    return this.#target
  }
  /** The port while listeners run, `null` before and after. */
  get currentTarget(): EventTarget | null {
    return (this.#flags & DISPATCHING) !== 0 ? this.#target : null
  }
  /** Legacy alias of `target`. */
  get srcElement(): EventTarget | null {
    return this.#target
  }
  /** `AT_TARGET` (2) while listeners run, `NONE` (0) otherwise: ports have no event path. */
  get eventPhase(): number {
    return (this.#flags & DISPATCHING) !== 0 ? 2 : 0
  }
  get bubbles(): boolean {
    return (this.#flags & BUBBLES) !== 0
  }
  get cancelable(): boolean {
    return (this.#flags & CANCELABLE) !== 0
  }
  get composed(): boolean {
    return (this.#flags & COMPOSED) !== 0
  }
  get defaultPrevented(): boolean {
    return (this.#flags & CANCELED) !== 0
  }
  get returnValue(): boolean {
    return (this.#flags & CANCELED) === 0
  }
  set returnValue(value: boolean) {
    if (!value) this.preventDefault()
  }
  get cancelBubble(): boolean {
    return (this.#flags & STOP) !== 0
  }
  set cancelBubble(value: boolean) {
    if (value) this.#flags |= STOP
  }
  /** `false`: events made by this package are not dispatched by the host. */
  get isTrusted(): boolean {
    return false
  }
  /**
   * Milliseconds since the time origin, taken the first time it is read (reading the clock for
   * every message would cost more than delivering it).
   */
  get timeStamp(): number {
    let extra = extras.get(this)
    if (extra === undefined) {
      extra = { origin: '', lastEventId: '', timeStamp: -1 }
      extras.set(this, extra)
    }
    if (extra.timeStamp < 0) extra.timeStamp = performance.now()
    return extra.timeStamp
  }
  composedPath(): EventTarget[] {
    return (this.#flags & DISPATCHING) !== 0 && this.#target !== null ? [this.#target] : []
  }
  preventDefault(): void {
    if (this.#flags & CANCELABLE) this.#flags |= CANCELED
  }
  stopPropagation(): void {
    this.#flags |= STOP
  }
  stopImmediatePropagation(): void {
    this.#flags |= STOP | STOP_IMMEDIATE
  }

  static readonly NONE = 0
  static readonly CAPTURING_PHASE = 1
  static readonly AT_TARGET = 2
  static readonly BUBBLING_PHASE = 3
}

Object.setPrototypeOf(MessageEvent.prototype, Event.prototype)
Object.defineProperty(MessageEvent.prototype, Symbol.toStringTag, {
  value: 'MessageEvent',
  configurable: true,
})
