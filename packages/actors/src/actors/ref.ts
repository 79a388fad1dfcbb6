/**
 * Actor refs and addresses. A ref's only own enumerable fields are its address (the system id
 * under the tag key, the path, the uid), so a ref put in a message and posted to a port is cloned
 * into exactly its address: a plain tagged object, no walk on the sending side. The receiving
 * side walks incoming payloads with `revive` and turns addresses back into refs.
 *
 * What a ref does with a message is up to its target: the actor's cell when it is local, the
 * connection when it lives in another system, a dead-letter sink when it cannot be reached.
 */
import type { AskOptions, TerminationNotice } from './types'

/** The key that marks an address; its value is the id of the actor's system. */
export const ADDRESS_TAG = '@entangle/actor'

/** The wire form of a ref. */
export interface Address {
  readonly [ADDRESS_TAG]: string
  readonly path: string
  readonly uid: number
}

/** Where a ref's messages go. */
export interface Target {
  tell(ref: Ref, name: string, payload: unknown): Promise<void> | undefined
  ask(ref: Ref, name: string, payload: unknown, options: AskOptions | undefined): Promise<unknown>
  /** Calls `listener` once when the actor behind `ref` is gone; returns a function to cancel. */
  watch(ref: Ref, listener: (notice: TerminationNotice) => void): () => void
}

/** Returns the target of a ref made by this module, else undefined. */
export let targetOf: (value: unknown) => Target | undefined

/**
 * The run-time class behind every `ActorRef`. `uid` tells two incarnations of one path apart: a
 * ref to a stopped actor never reaches a new actor spawned under the same name.
 */
export class Ref implements Address {
  readonly [ADDRESS_TAG]: string
  readonly path: string
  readonly uid: number
  readonly #target: Target

  constructor(systemId: string, path: string, uid: number, target: Target) {
    this[ADDRESS_TAG] = systemId
    this.path = path
    this.uid = uid
    this.#target = target
  }

  /** The id of the system the actor lives in. */
  get systemId(): string {
    return this[ADDRESS_TAG]
  }

  tell(name: string, payload?: unknown): Promise<void> | undefined {
    return this.#target.tell(this, name, payload)
  }

  /** Typed `never` here so that a `Ref` is an `ActorRef` of any protocol; see `ActorRef.ask`. */
  ask(name: string, payload?: unknown, options?: AskOptions): Promise<never> {
    return this.#target.ask(this, name, payload, options) as Promise<never>
  }

  toString(): string {
    return `actor://${this[ADDRESS_TAG]}${this.path}`
  }

  static {
    targetOf = (value) => (value instanceof Ref ? value.#target : undefined)
  }
}

/** True for a well-formed address (from a peer: anything may arrive). */
export function isAddress(value: object): value is Address {
  const v = value as Record<string, unknown>
  return (
    typeof v[ADDRESS_TAG] === 'string' &&
    typeof v.path === 'string' &&
    typeof v.uid === 'number' &&
    Number.isSafeInteger(v.uid)
  )
}

const maxDepth = 64
const objectProto = Object.prototype

/**
 * Replaces, in place, every address inside a freshly received payload by the ref `toRef` makes
 * of it; returns the payload (or the ref, when the payload is an address). Walks plain objects
 * and arrays only, each object once (shared and cyclic references stay shared), to a depth of 64.
 */
export function revive(value: unknown, toRef: (address: Address) => Ref): unknown {
  if (typeof value !== 'object' || value === null) return value
  return walk(value, toRef, undefined, 0)
}

function walk(
  value: object,
  toRef: (address: Address) => Ref,
  seen: Map<object, unknown> | undefined,
  depth: number,
): unknown {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i]
      if (typeof item === 'object' && item !== null && depth < maxDepth) {
        seen ??= new Map()
        value[i] = visit(item, toRef, seen, depth)
      }
    }
    return value
  }
  if (Object.getPrototypeOf(value) !== objectProto) return value
  if (isAddress(value)) return toRef(value)
  const record = value as Record<string, unknown>
  // A received payload is a fresh plain object: its keys are its own (no inherited enumerables).
  for (const key in record) {
    const item = record[key]
    if (typeof item === 'object' && item !== null && depth < maxDepth) {
      seen ??= new Map()
      record[key] = visit(item, toRef, seen, depth)
    }
  }
  return value
}

/** Walks a nested object once; a second visit returns what the first one made of it. */
function visit(
  item: object,
  toRef: (address: Address) => Ref,
  seen: Map<object, unknown>,
  depth: number,
): unknown {
  if (seen.has(item)) return seen.get(item)
  seen.set(item, item)
  const result = walk(item, toRef, seen, depth + 1)
  seen.set(item, result)
  return result
}
