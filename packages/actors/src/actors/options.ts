/**
 * Every default of the actor layer, in one place, and the checks that turn user options into
 * resolved ones (throwing a TypeError that names the bad option).
 */
import { type Clock, realClock } from './clock'
import type {
  ActorSystemOptions,
  Directive,
  MailboxOptions,
  OverflowPolicy,
  SupervisorOptions,
  SystemConnectOptions,
} from './types'

/** Messages a mailbox holds unless told otherwise. */
export const DEFAULT_MAILBOX_CAPACITY = 1000

/** The mailbox defaults. */
export const defaultMailbox: ResolvedMailbox = {
  capacity: DEFAULT_MAILBOX_CAPACITY,
  overflow: 'drop-newest',
}

/** The supervisor defaults: restart, one for one, at most 10 restarts a minute, no backoff. */
export const defaultSupervisor: ResolvedSupervisor = {
  decide: () => 'restart',
  scope: 'one-for-one',
  maxRestarts: 10,
  withinMs: 60_000,
  initialMs: 0,
  maxMs: 30_000,
  factor: 2,
}

/** A system's id unless one is given: random, `sys-` and 8 hex digits. */
function randomId(): string {
  const bytes = new Uint8Array(4)
  crypto.getRandomValues(bytes)
  return `sys-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`
}

/** System options with every field set. */
export interface ResolvedSystem {
  readonly id: string
  readonly clock: Clock
  readonly mailbox: ResolvedMailbox
  readonly supervisor: ResolvedSupervisor
}

/** Resolves the options of `createActorSystem`. */
export function resolveSystem(options: ActorSystemOptions): ResolvedSystem {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`createActorSystem() options must be an object, got ${String(options)}`)
  }
  const { id = randomId(), clock = realClock } = options
  if (typeof id !== 'string' || id === '' || /[/\s]/.test(id)) {
    throw new TypeError(`options.id must be a non-empty string without "/" or spaces, got ${id}`)
  }
  for (const key of ['now', 'setTimeout', 'clearTimeout'] as const) {
    if (typeof clock?.[key] !== 'function') {
      throw new TypeError(`options.clock must have now(), setTimeout() and clearTimeout()`)
    }
  }
  return {
    id,
    clock,
    mailbox: resolveMailbox(defaultMailbox, options.mailbox),
    supervisor: resolveSupervisor(defaultSupervisor, options.supervisor),
  }
}

/** Resolves the options of `system.connect`: `onError` defaults to ignoring. */
export function resolveConnect(options: SystemConnectOptions): Required<SystemConnectOptions> {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`connect() options must be an object, got ${String(options)}`)
  }
  const { onError = () => {} } = options
  if (typeof onError !== 'function') throw new TypeError('options.onError must be a function')
  return { onError }
}

/** Mailbox options with every field set. */
export interface ResolvedMailbox {
  readonly capacity: number
  readonly overflow: OverflowPolicy
}

/** Supervisor options with every field set (backoff flattened). */
export interface ResolvedSupervisor {
  readonly decide: (error: unknown, child: never) => Directive
  readonly scope: 'one-for-one' | 'all-for-one'
  readonly maxRestarts: number
  readonly withinMs: number
  readonly initialMs: number
  readonly maxMs: number
  readonly factor: number
}

const policies = new Set<string>(['reject', 'drop-newest', 'drop-oldest', 'suspend'])
const directives = new Set<string>(['resume', 'restart', 'stop', 'escalate'])

/** True for a directive name (checked on what a user's `decide` returns). */
export function isDirective(value: unknown): value is Directive {
  return typeof value === 'string' && directives.has(value)
}

function nonNegative(value: unknown, name: string): void {
  if (!(typeof value === 'number' && value >= 0 && !Number.isNaN(value))) {
    throw new TypeError(`${name} must be a non-negative number, got ${String(value)}`)
  }
}

/** Merges mailbox options over `base`. */
export function resolveMailbox(
  base: ResolvedMailbox,
  options: MailboxOptions | undefined,
): ResolvedMailbox {
  if (options === undefined) return base
  const { capacity = base.capacity, overflow = base.overflow } = options
  if (
    !(capacity === Number.POSITIVE_INFINITY || (Number.isSafeInteger(capacity) && capacity > 0))
  ) {
    throw new TypeError(
      `mailbox.capacity must be a positive integer or Infinity, got ${String(capacity)}`,
    )
  }
  if (!policies.has(overflow)) {
    throw new TypeError(
      `mailbox.overflow must be one of ${[...policies].join(', ')}, got ${String(overflow)}`,
    )
  }
  return capacity === base.capacity && overflow === base.overflow ? base : { capacity, overflow }
}

/** Merges supervisor options over `base`. */
export function resolveSupervisor(
  base: ResolvedSupervisor,
  options: SupervisorOptions | undefined,
): ResolvedSupervisor {
  if (options === undefined) return base
  const { decide, scope = base.scope, maxRestarts = base.maxRestarts } = options
  const { withinMs = base.withinMs, backoff = {} } = options
  const { initialMs = base.initialMs, maxMs = base.maxMs, factor = base.factor } = backoff
  let decideFn = base.decide
  if (typeof decide === 'function') decideFn = decide as ResolvedSupervisor['decide']
  else if (isDirective(decide)) decideFn = () => decide
  else if (decide !== undefined) {
    throw new TypeError(
      `supervisor.decide must be a directive (${[...directives].join(', ')}) or a function`,
    )
  }
  if (scope !== 'one-for-one' && scope !== 'all-for-one') {
    throw new TypeError(`supervisor.scope must be one-for-one or all-for-one, got ${String(scope)}`)
  }
  if (!(Number.isSafeInteger(maxRestarts) && maxRestarts >= 0)) {
    throw new TypeError(`supervisor.maxRestarts must be a non-negative integer, got ${maxRestarts}`)
  }
  nonNegative(withinMs, 'supervisor.withinMs')
  nonNegative(initialMs, 'supervisor.backoff.initialMs')
  nonNegative(maxMs, 'supervisor.backoff.maxMs')
  if (!(typeof factor === 'number' && factor >= 1)) {
    throw new TypeError(`supervisor.backoff.factor must be a number >= 1, got ${String(factor)}`)
  }
  return { decide: decideFn, scope, maxRestarts, withinMs, initialMs, maxMs, factor }
}

/** Checks an actor name; throws a TypeError saying what is wrong with it. */
export function checkName(name: unknown): string {
  if (typeof name !== 'string' || name === '') {
    throw new TypeError(`an actor name must be a non-empty string, got ${String(name)}`)
  }
  if (/[/#\s]/.test(name)) {
    throw new TypeError(`actor name "${name}" must not contain "/", "#" or whitespace`)
  }
  if (name.startsWith('$')) {
    throw new TypeError(`actor name "${name}" must not start with "$" (kept for generated names)`)
  }
  return name
}
