/**
 * The typed error of the actor layer: every ask that cannot be answered by the actor's handler
 * rejects with an `ActorError` whose `code` says why.
 */

/** Why an ask failed (or a tell was refused), independent of what the handler threw. */
export type ActorErrorCode =
  /** The actor stopped, or was stopping, before it handled the message. */
  | 'STOPPED'
  /** The ask's `timeout` elapsed. */
  | 'TIMEOUT'
  /** The ask's `signal` aborted. */
  | 'ABORTED'
  /** The mailbox was full and its overflow policy is `reject`. */
  | 'MAILBOX_FULL'
  /** The mailbox was full and the message was dropped (`drop-newest` or `drop-oldest`). */
  | 'DROPPED'
  /** The actor has no handler of that name. */
  | 'UNHANDLED'
  /** The connection to the actor's system closed, or there is none. */
  | 'DISCONNECTED'
  /** The peer system sent something this side does not understand (e.g. another version). */
  | 'PROTOCOL'

/** The error asks reject with when the actor could not answer; `code` says why. */
export class ActorError extends Error {
  /** What went wrong. */
  readonly code: ActorErrorCode

  /** Creates an error with a code and a message (and optionally a `cause`). */
  constructor(code: ActorErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.code = code
  }
}
Object.defineProperty(ActorError.prototype, 'name', {
  value: 'ActorError',
  writable: true,
  configurable: true,
})

const codes = new Set<string>([
  'STOPPED',
  'TIMEOUT',
  'ABORTED',
  'MAILBOX_FULL',
  'DROPPED',
  'UNHANDLED',
  'DISCONNECTED',
  'PROTOCOL',
])

/** True when `code` is one of the `ActorErrorCode`s (for codes arriving from a peer). */
export function isActorErrorCode(code: unknown): code is ActorErrorCode {
  return typeof code === 'string' && codes.has(code)
}
