/**
 * The public types of the actor layer: protocols, refs, behaviors, the actor's context, options
 * and events. A protocol is the type of an actor's handlers: an object of functions taking at
 * most one argument (the message payload) and returning the reply.
 *
 * @example
 * interface Account {
 *   deposit(amount: number): void
 *   balance(): number
 * }
 * const account: ActorRef<Account> = system.spawn<Account>(...)
 * account.tell('deposit', 100)
 * const balance: number = await account.ask('balance')
 */
import type { Endpoint } from '../endpoint'
import type { Clock } from './clock'

/** One message handler: takes at most one argument, the payload; returns the reply. */
export type MessageHandler = (payload: never) => unknown

/**
 * The constraint every protocol `P` satisfies: each member is a message handler. Written as a
 * mapped type so that interfaces qualify too.
 */
export type Protocol<P> = { [K in keyof P]: MessageHandler }

/** The names of the messages of protocol `P`. */
export type MessageName<P> = keyof P & string

/** The payload arguments of a handler type: `[]` or `[payload]`. */
export type PayloadArgs<F> = F extends (...args: infer A extends [payload?: unknown]) => unknown
  ? A
  : never

/** The reply type of a handler type: what its (awaited) return value is. */
export type ReplyOf<F> = F extends (...args: never[]) => infer R ? Awaited<R> : never

/**
 * The arguments of `ask` after the name: the payload, then the options. For a message without a
 * payload, pass `undefined` to reach the options: `ref.ask('balance', undefined, { timeout })`.
 */
export type AskArgs<F> =
  PayloadArgs<F> extends []
    ? [payload?: undefined, options?: AskOptions]
    : PayloadArgs<F> extends [payload: infer T]
      ? [payload: T, options?: AskOptions]
      : PayloadArgs<F> extends [payload?: infer T]
        ? [payload?: T, options?: AskOptions]
        : never

/** Options of one ask. There is no default timeout: a slow but healthy actor is not an error. */
export interface AskOptions {
  /** Milliseconds (on the system's clock) before the ask rejects with `ActorError` 'TIMEOUT'. */
  timeout?: number
  /** Aborting it rejects the ask with `ActorError` 'ABORTED'. */
  signal?: AbortSignal
}

declare const protocolType: unique symbol

/**
 * The address of an actor, local or in another actor system over a port pair: the same type and
 * the same two operations either way. Refs may be put inside messages; they travel as addresses.
 */
export interface ActorRef<P extends Protocol<P> = object> {
  /** The actor's path in its system, such as `/bank/account-1`. */
  readonly path: string
  /** The id of the actor system the actor lives in. */
  readonly systemId: string
  /**
   * Sends a message and returns at once. Returns `undefined`, or a promise when the mailbox is
   * full and its policy is `suspend`: it resolves once the message is in the mailbox. Throws
   * `ActorError` 'MAILBOX_FULL' when the mailbox of a local actor is full and its policy is
   * `reject`. Undeliverable messages go to dead letters.
   */
  tell<K extends MessageName<P>>(name: K, ...payload: PayloadArgs<P[K]>): Promise<void> | undefined
  /**
   * Sends a message and resolves with the handler's reply, or rejects with what the handler
   * threw, or with an `ActorError` when the actor cannot answer. Every ask settles.
   */
  ask<K extends MessageName<P>>(name: K, ...args: AskArgs<P[K]>): Promise<ReplyOf<P[K]>>
  /** `actor://<systemId><path>`. */
  toString(): string
  /** Type-only: makes `ActorRef<P>` covariant in `P`. Never present at run time. */
  readonly [protocolType]?: P
}

/**
 * The protocol of an actor whose behavior does not name one: any message name, any payload.
 * `ctx.self` has this type unless the protocol is given as a type argument of `spawn`.
 */
export type AnyProtocol = Record<string, (payload?: unknown) => unknown>

/** The handlers a behavior returns for protocol `P`: sync or async versions of its members. */
export type Handlers<P> = {
  [K in keyof P]: P[K] extends (...args: infer A) => infer R
    ? (...args: A) => R | Promise<Awaited<R>>
    : never
}

/**
 * How an actor behaves: called at start (and again on every restart, for fresh state) with the
 * actor's context; returns its handlers, or a promise of them (messages wait until it settles).
 * State lives in the closure.
 */
export type Behavior<P extends Protocol<P>> = (
  ctx: ActorContext<P>,
) => Handlers<P> | Promise<Handlers<P>>

/** The handlers of some protocol: message handlers by name. */
export type AnyHandlers = Record<string, MessageHandler>

/** A behavior whose protocol is not named: it is the type of the handlers it returns. */
export type InferredBehavior = (
  ctx: ActorContext<AnyProtocol>,
) => AnyHandlers | Promise<AnyHandlers>

/** The protocol of an `InferredBehavior`: the (awaited) type of the handlers it returns. */
export type ProtocolOf<B> = B extends (ctx: never) => infer R ? Awaited<R> : never

/** What to do with an actor whose handler threw. */
export type Directive = 'resume' | 'restart' | 'stop' | 'escalate'

/** Why an actor terminated. */
export type TerminationReason =
  /** It was stopped (by itself, its parent, `system.stop` or shutdown). */
  | 'stopped'
  /** Its supervisor stopped it after a failure, or it ran out of restarts. */
  | 'failed'
  /** The connection to its system closed, so it can no longer be reached. */
  | 'disconnected'

/** What `watch` delivers once the watched actor is gone. */
export interface TerminationNotice {
  /** The actor that is gone (the ref that was watched). */
  readonly ref: ActorRef
  /** Why it is gone. */
  readonly reason: TerminationReason
}

/** Why a message ended in dead letters. */
export type DeadLetterReason =
  /** The mailbox was full; policy `reject`. */
  | 'mailbox-full'
  /** The mailbox was full; policy `drop-newest` dropped this message. */
  | 'dropped-newest'
  /** The mailbox was full; policy `drop-oldest` evicted this message. */
  | 'dropped-oldest'
  /** The actor was stopped (or stopping) before it handled the message. */
  | 'stopped'
  /** The actor has no handler of that name. */
  | 'unhandled'
  /** The actor's system is not connected. */
  | 'disconnected'

/** A message that could not be delivered. */
export interface DeadLetter {
  /** The actor the message was for. */
  readonly recipient: ActorRef
  /** The message name. */
  readonly name: string
  /** The message payload. */
  readonly payload: unknown
  /** Why it was not delivered. */
  readonly reason: DeadLetterReason
  /** True when it was an ask (which rejected with an `ActorError`). */
  readonly ask: boolean
}

/** What happens to a message sent to a full mailbox. */
export type OverflowPolicy = 'reject' | 'drop-newest' | 'drop-oldest' | 'suspend'

/** Mailbox options of one actor (or the defaults of a system). */
export interface MailboxOptions {
  /** Messages it holds; a positive integer or `Infinity`. Default 1000. */
  capacity?: number
  /** What a full mailbox does with a new message. Default `'drop-newest'`. */
  overflow?: OverflowPolicy
}

/** Restart backoff: the n-th restart within the window waits `initialMs * factor^(n-1)`. */
export interface BackoffOptions {
  /** Delay before the first restart, ms. Default 0 (restart at once). */
  initialMs?: number
  /** Upper bound of the delay, ms. Default 30000. */
  maxMs?: number
  /** Growth per restart. Default 2. */
  factor?: number
}

/** How an actor supervises its children (or the system its top-level actors). */
export interface SupervisorOptions {
  /** The directive for a failed child, or a function choosing it. Default `'restart'`. */
  decide?: Directive | ((error: unknown, child: ActorRef) => Directive)
  /** `'one-for-one'` (default): only the failed child; `'all-for-one'`: all children. */
  scope?: 'one-for-one' | 'all-for-one'
  /** Restarts allowed within `withinMs`; one more stops the child. Default 10. */
  maxRestarts?: number
  /** The window restarts are counted in, ms. Default 60000. */
  withinMs?: number
  /** Delay before restarting. Default: none. */
  backoff?: BackoffOptions
}

/** Options of `spawn`. */
export interface SpawnOptions {
  /** Name among its siblings (no `/`, `#`, whitespace, not starting with `$`). Default `$<n>`. */
  name?: string
  /** Overrides the system's mailbox defaults. */
  mailbox?: MailboxOptions
  /** How this actor supervises its children. */
  supervisor?: SupervisorOptions
}

/**
 * Options of `system.stop`. An immediate stop (the default) sends the queue to dead letters and
 * does not wait for an async handler in progress: its ask rejects with 'STOPPED' at once.
 */
export interface StopOptions {
  /** Handle what is already in the mailbox (and in progress) first, refusing new messages. */
  drain?: boolean
}

/** A snapshot of an actor's counters. */
export interface ActorStats {
  /** Where the actor is in its life (see `ActorSystem.stop` and supervision). */
  readonly status: 'starting' | 'running' | 'suspended' | 'draining' | 'stopping' | 'stopped'
  /** Messages waiting in the mailbox. */
  readonly mailbox: number
  /** Senders waiting for room (policy `suspend`). */
  readonly waiting: number
  /** Messages handled (successfully or not). */
  readonly processed: number
  /** Messages lost to overflow (`reject`, `drop-newest`, `drop-oldest`). */
  readonly dropped: number
  /** Times the actor was restarted. */
  readonly restarts: number
}

/** What a lifecycle hook registered with `ctx.onStop` is told. */
export type StopCause = 'stop' | 'restart'

/** The actor's view of itself and its surroundings, given to its behavior. */
export interface ActorContext<P extends Protocol<P> = AnyProtocol> {
  /** The actor's own ref. */
  readonly self: ActorRef<P>
  /** The actor's name among its siblings. */
  readonly name: string
  /** The parent's ref (undefined for top-level actors). */
  readonly parent: ActorRef | undefined
  /** The system the actor lives in. */
  readonly system: ActorSystem
  /** How many times this actor has been restarted (0 at the first start). */
  readonly restarts: number
  /** The live children. */
  readonly children: readonly ActorRef[]
  /** Spawns a child, supervised by this actor and stopped with it (see `ActorSystem.spawn`). */
  spawn<B extends InferredBehavior>(behavior: B, options?: SpawnOptions): ActorRef<ProtocolOf<B>>
  spawn<C extends Protocol<C>>(behavior: Behavior<C>, options?: SpawnOptions): ActorRef<C>
  /** The child of that name, if it is alive. The protocol is the caller's claim. */
  child<C extends Protocol<C> = AnyProtocol>(name: string): ActorRef<C> | undefined
  /** Stops this actor (default) or a child, after its current message; never waits. */
  stop(ref?: ActorRef): void
  /**
   * Calls `onTerminated` (as a message of this actor, in mailbox order) when `ref` stops, or
   * when the connection to its system closes. Returns a function that cancels the watch.
   */
  watch(ref: ActorRef, onTerminated: (notice: TerminationNotice) => void): () => void
  /** Sends this actor a message after `ms` ms, unless cancelled or stopped first. */
  after<K extends MessageName<P>>(ms: number, name: K, ...payload: PayloadArgs<P[K]>): () => void
  /** Sends this actor a message every `ms` ms until cancelled or stopped. */
  every<K extends MessageName<P>>(ms: number, name: K, ...payload: PayloadArgs<P[K]>): () => void
  /**
   * Registers a hook run when the actor stops (`'stop'`) or before it restarts (`'restart'`),
   * after its current message; hooks run in reverse order and are awaited.
   */
  onStop(hook: (cause: StopCause) => void | Promise<void>): void
}

/** Options of `createActorSystem`. */
export interface ActorSystemOptions {
  /** The system's id, unique among connected systems. Default: random (`sys-xxxxxxxx`). */
  id?: string
  /** Where time comes from. Default: the host's clock. Tests pass a manual one. */
  clock?: Clock
  /** Mailbox defaults of every actor. */
  mailbox?: MailboxOptions
  /** How the system supervises top-level actors (`escalate` from them means `stop`). */
  supervisor?: SupervisorOptions
}

/** Options of `system.connect`. */
export interface SystemConnectOptions {
  /** Called with what cannot be thrown at anyone: malformed messages, a version mismatch. */
  onError?: (error: Error) => void
}

/** Another actor system reached over a port pair. */
export interface RemoteSystem {
  /** The peer's id, once its greeting arrived. */
  readonly id: string | undefined
  /** True until the connection closes. */
  readonly connected: boolean
  /** Finds an actor of the peer by path; `undefined` when there is none. */
  lookup<P extends Protocol<P> = AnyProtocol>(
    path: string,
    options?: AskOptions,
  ): Promise<ActorRef<P> | undefined>
  /** Closes the connection (and the endpoint): pending asks reject, watches fire. */
  close(): void
}

/** The events of `system.events` (an eventemitter3 emitter). */
export interface ActorSystemEvents {
  /** An actor started (the first time; see `restarted`). */
  started: [ref: ActorRef]
  /** An actor terminated. */
  stopped: [ref: ActorRef, reason: TerminationReason]
  /** An actor's handler (or behavior) threw; `directive` is what its supervisor decided. */
  failed: [ref: ActorRef, error: unknown, directive: Directive]
  /** An actor restarted with fresh state. */
  restarted: [ref: ActorRef, restarts: number]
  /** A message could not be delivered. */
  deadLetter: [letter: DeadLetter]
  /** A remote system greeted this one. */
  connected: [remote: RemoteSystem]
  /** A connection closed. */
  disconnected: [remote: RemoteSystem]
  /** Something failed where no caller could be told: a stop hook, a watch listener. */
  error: [error: unknown]
}

/** A typed eventemitter3 emitter (only the methods a listener needs). */
export interface ActorSystemEmitter {
  /** Calls `listener` on every `event`. */
  on<E extends keyof ActorSystemEvents>(
    event: E,
    listener: (...args: ActorSystemEvents[E]) => void,
  ): this
  /** Calls `listener` on the next `event` only. */
  once<E extends keyof ActorSystemEvents>(
    event: E,
    listener: (...args: ActorSystemEvents[E]) => void,
  ): this
  /** Removes `listener` (or every listener of `event` when none is given). */
  off<E extends keyof ActorSystemEvents>(
    event: E,
    listener?: (...args: ActorSystemEvents[E]) => void,
  ): this
}

/** A tree of actors sharing a clock, defaults and connections. */
export interface ActorSystem {
  /** The system's id (part of every address it hands out). */
  readonly id: string
  /** Lifecycle, dead-letter and connection events. */
  readonly events: ActorSystemEmitter
  /**
   * Spawns a top-level actor; its path is `/<name>`. The protocol is the type of the handlers the
   * behavior returns, or the one given as a type argument (`spawn<Account>(...)`), which also
   * types `ctx.self` and the timers (with an inferred protocol they take any message).
   */
  spawn<B extends InferredBehavior>(behavior: B, options?: SpawnOptions): ActorRef<ProtocolOf<B>>
  spawn<P extends Protocol<P>>(behavior: Behavior<P>, options?: SpawnOptions): ActorRef<P>
  /** The live local actor at `path` (`/a/b`, or a top-level name). The protocol is a claim. */
  lookup<P extends Protocol<P> = AnyProtocol>(path: string): ActorRef<P> | undefined
  /** Stops a local actor (and its children); resolves once it has terminated. */
  stop(ref: ActorRef, options?: StopOptions): Promise<void>
  /** Calls `listener` once when `ref` terminates or its system disconnects. Returns unwatch. */
  watch(ref: ActorRef, listener: (notice: TerminationNotice) => void): () => void
  /** Counters of a local actor; `undefined` for a remote ref. */
  stats(ref: ActorRef): ActorStats | undefined
  /** Connects to another actor system over a port pair (call it on both sides). */
  connect(endpoint: Endpoint, options?: SystemConnectOptions): RemoteSystem
  /** Stops every actor and closes every connection; later spawns throw. */
  shutdown(options?: StopOptions): Promise<void>
}
