/**
 * The actor layer of @entangle/actors: actor systems, typed refs, bounded mailboxes,
 * supervision, death watch, timers and location-transparent refs over port pairs.
 */
export type { Clock } from './clock'
export { realClock } from './clock'
export { ActorError, type ActorErrorCode } from './errors'
export { ACTORS_PROTOCOL_NAME, ACTORS_PROTOCOL_VERSION } from './link'
export { DEFAULT_MAILBOX_CAPACITY } from './options'
export { createActorSystem } from './system'
export type {
  ActorContext,
  ActorRef,
  ActorStats,
  ActorSystem,
  ActorSystemEmitter,
  ActorSystemEvents,
  ActorSystemOptions,
  AnyHandlers,
  AnyProtocol,
  AskArgs,
  AskOptions,
  BackoffOptions,
  Behavior,
  DeadLetter,
  DeadLetterReason,
  Directive,
  Handlers,
  InferredBehavior,
  MailboxOptions,
  MessageHandler,
  MessageName,
  OverflowPolicy,
  PayloadArgs,
  Protocol,
  ProtocolOf,
  RemoteSystem,
  ReplyOf,
  SpawnOptions,
  StopCause,
  StopOptions,
  SupervisorOptions,
  SystemConnectOptions,
  TerminationNotice,
  TerminationReason,
} from './types'
