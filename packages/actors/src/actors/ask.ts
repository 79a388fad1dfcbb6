/**
 * One pending ask on the asking side: the promise the caller awaits, its timeout on the system's
 * clock and its AbortSignal. Whichever comes first (reply, error, timeout, abort) settles it;
 * the rest is ignored. No closure per ask unless a timeout is set.
 */
import type { Clock } from './clock'
import { ActorError } from './errors'
import type { Reply } from './mailbox'
import type { AskOptions } from './types'

/** Told when an ask gives up (timeout or abort), so a remote asker can tell the peer. */
export interface AskOwner {
  cancelled(id: number): void
}

// One shared executor captures resolve/reject without a closure per ask.
let capturedResolve: (value: unknown) => void = () => {}
let capturedReject: (error: unknown) => void = () => {}
function capture(resolve: (value: unknown) => void, reject: (error: unknown) => void): void {
  capturedResolve = resolve
  capturedReject = reject
}

/** Checks ask options; throws a TypeError naming a bad one. */
export function checkAskOptions(options: AskOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`ask options must be an object, got ${String(options)}`)
  }
  const { timeout, signal } = options
  if (timeout !== undefined && !(typeof timeout === 'number' && timeout >= 0)) {
    throw new TypeError(`options.timeout must be a non-negative number of ms, got ${timeout}`)
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError('options.signal must be an AbortSignal')
  }
}

/** A pending ask: a `Reply` that settles the caller's promise. */
export class AskReply implements Reply {
  done = false
  readonly promise: Promise<unknown>
  private readonly settle: (value: unknown) => void
  private readonly fail: (error: unknown) => void
  private timer: unknown
  private signal: AbortSignal | undefined
  private clock: Clock | undefined
  private owner: AskOwner | undefined
  /** The request id, for a remote ask. */
  id = 0

  /**
   * `name` and `path` name the ask in errors (`ask "balance" to /account`); `options` were
   * checked. An already aborted signal rejects at once.
   */
  constructor(
    private readonly name: string,
    private readonly path: string,
    clock: Clock,
    options: AskOptions | undefined,
  ) {
    this.promise = new Promise(capture)
    this.settle = capturedResolve
    this.fail = capturedReject
    if (options === undefined) return
    const { timeout, signal } = options
    if (signal !== undefined) {
      if (signal.aborted) {
        this.abort()
        return
      }
      this.signal = signal
      signal.addEventListener('abort', this)
    }
    if (timeout !== undefined) {
      this.clock = clock
      this.timer = clock.setTimeout(() => this.timeout(timeout), timeout)
    }
  }

  /** Makes a timeout or abort tell `owner` (a remote connection) which request gave up. */
  ownedBy(owner: AskOwner, id: number): void {
    this.owner = owner
    this.id = id
  }

  resolve(value: unknown): void {
    if (this.done) return
    this.finish()
    this.settle(value)
  }

  reject(error: unknown): void {
    if (this.done) return
    this.finish()
    this.fail(error)
  }

  /** The signal's abort event. */
  handleEvent(): void {
    this.abort()
  }

  private abort(): void {
    const reason = this.signal?.reason
    this.giveUp(new ActorError('ABORTED', `${this.describe()} was aborted`, { cause: reason }))
  }

  private timeout(ms: number): void {
    this.timer = undefined
    this.giveUp(new ActorError('TIMEOUT', `${this.describe()} timed out after ${ms} ms`))
  }

  private describe(): string {
    return `ask "${this.name}" to ${this.path}`
  }

  private giveUp(error: ActorError): void {
    if (this.done) return
    this.reject(error)
    this.owner?.cancelled(this.id)
  }

  private finish(): void {
    this.done = true
    if (this.timer !== undefined) this.clock?.clearTimeout(this.timer)
    this.signal?.removeEventListener('abort', this)
    this.timer = this.signal = this.clock = undefined
  }
}
