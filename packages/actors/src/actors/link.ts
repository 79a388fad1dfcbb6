/**
 * A link: the connection between this actor system and one other over a port pair, with its
 * small wire protocol. It is the `Target` of every ref to an actor of the peer (tells, asks and
 * watches go out as messages) and delivers the peer's messages to local cells.
 *
 * Every message is a flat array whose first element is its kind:
 *   [HELLO, 'entangle-actors', version, systemId]   first message each side sends
 *   [TELL, uid, path, name, payload]                one-way message to a local actor
 *   [ASK, uid, path, name, payload, id, cancel]     request; answered by REPLY, ERROR or REFUSED;
 *                                                   cancel 1: a CANCEL may follow (timeout, signal)
 *   [REPLY, id, value]                              the handler's result
 *   [ERROR, id, wireError]                          what the handler threw (see ../errors.ts)
 *   [REFUSED, id, code, message]                    an ActorError: stopped, mailbox full, ...
 *   [CANCEL, id]                                    the asker gave up (timeout or abort)
 *   [WATCH, uid] / [UNWATCH, uid]                   start / stop watching a local actor
 *   [TERMINATED, uid, reason]                       a watched actor is gone
 *   [LOOKUP, id, path]                              answered by REPLY with an address or null
 *   [BYE]                                           the sender closed the link
 * Refs inside payloads and replies travel as addresses (see ref.ts) and are revived on arrival.
 * The port must not be shared with other protocols (such as this package's RPC layer).
 *
 * On an @entangle/core port the envelope is posted uncloned (`postUncloned`) and only the payload
 * is cloned, with the same `clone` that `postMessage` runs: the receiver sees exactly what
 * `postMessage` would have delivered, for a third of the copying. There the three messages of the
 * hot paths travel as objects instead of arrays (one allocation per message instead of two):
 *   { k: TELL, u: uid, p: path, n: name, d: payload }
 *   { k: ASK, u: uid, p: path, n: name, d: payload, i: id, c: cancel }
 *   { k: REPLY, i: id, d: value }
 * The receiver takes both forms, on any endpoint.
 */
import { clone } from '@entangle/core'
import { type Attachment, attach, type Endpoint, postUncloned } from '../endpoint'
import { dataCloneError, decodeError, encodeError } from '../errors'
import { type AskOwner, AskReply, checkAskOptions } from './ask'
import type { Cell } from './cell'
import { ActorError, isActorErrorCode } from './errors'
import type { Reply } from './mailbox'
import { resolveConnect } from './options'
import { PendingAsks } from './pending'
import { ADDRESS_TAG, type Address, Ref, revive, type Target } from './ref'
import type { SystemCore } from './system'
import type {
  AskOptions,
  RemoteSystem,
  SystemConnectOptions,
  TerminationNotice,
  TerminationReason,
} from './types'

/** Name sent in the greeting, so a port speaking something else is recognised. */
export const ACTORS_PROTOCOL_NAME = 'entangle-actors'
/** Version of the wire protocol; a peer with another one is refused with a clear error. */
export const ACTORS_PROTOCOL_VERSION = 1

const HELLO = 0
const TELL = 1
const ASK = 2
const REPLY = 3
const ERROR = 4
const REFUSED = 5
const CANCEL = 6
const WATCH = 7
const UNWATCH = 8
const TERMINATED = 9
const LOOKUP = 10
const BYE = 11

const reasons = new Set<string>(['stopped', 'failed', 'disconnected'])

/**
 * What `postMessage` would deliver of `value`: primitives as they are, the rest through the core's
 * `clone` (which throws the DataCloneError `postMessage` would, for functions and symbols too).
 */
function copy(value: unknown): unknown {
  const type = typeof value
  if (value === null || (type !== 'object' && type !== 'function' && type !== 'symbol'))
    return value
  return clone(value)
}

function isId(value: unknown): value is number {
  return typeof value === 'number' && value > 0 && Number.isSafeInteger(value)
}

/** TELL, ASK or REPLY in the object form of core ports; anything may arrive, so all unknown. */
interface FastMessage {
  readonly k: unknown
  readonly u: unknown
  readonly p: unknown
  readonly n: unknown
  readonly d: unknown
  readonly i: unknown
  readonly c: unknown
}

/** The remote actors this side watches, by uid. */
interface Watched {
  readonly ref: Ref
  readonly listeners: Set<(notice: TerminationNotice) => void>
}

/** An ask from the peer: answering it posts the outcome back. */
class RemoteReply implements Reply {
  done = false

  constructor(
    private readonly link: Link,
    private readonly id: number,
    /** The asker may cancel: the link keeps this reply by id until it is answered. */
    readonly cancellable: boolean,
  ) {}

  resolve(value: unknown): void {
    if (this.done) return
    this.done = true
    this.link.answer(this, this.id, value)
  }

  reject(error: unknown): void {
    if (this.done) return
    this.done = true
    this.link.refuse(this, this.id, error)
  }
}

/** One connection to another actor system. */
export class Link implements Target, RemoteSystem, AskOwner {
  id: string | undefined
  connected = true
  private nextId = 1
  private readonly pending = new PendingAsks()
  private readonly inbound = new Map<number, RemoteReply>()
  private readonly watched = new Map<number, Watched>()
  private readonly served = new Map<number, () => void>()
  private readonly attachment: Attachment
  /** The core port's `postUncloned`, bound; undefined on other endpoints. */
  private readonly fastPost: ((message: object) => void) | undefined
  private readonly onError: (error: Error) => void
  private readonly toRef = (address: Address) => this.refFor(address)
  /** The cell the last tell or ask went to: most traffic goes to one actor, so skip the lookup. */
  private lastCell: Cell | undefined

  constructor(
    private readonly core: SystemCore,
    private readonly endpoint: Endpoint,
    options: SystemConnectOptions,
  ) {
    this.onError = resolveConnect(options).onError
    const fastPost = (endpoint as { [postUncloned]?: unknown })[postUncloned]
    this.fastPost =
      typeof fastPost === 'function' ? (fastPost as (m: object) => void).bind(endpoint) : undefined
    this.attachment = attach(endpoint, {
      message: (data) => this.receive(data),
      closed: () => this.shut(),
      messageError: () =>
        this.protocolError('a message from the peer could not be deserialized and was lost'),
    })
    core.links.add(this)
    this.post([HELLO, ACTORS_PROTOCOL_NAME, ACTORS_PROTOCOL_VERSION, core.id])
  }

  // -------------------------------------------------------------------------------------------
  // Outgoing: the Target side of refs to the peer's actors.

  tell(ref: Ref, name: string, payload: unknown): undefined {
    if (!this.connected) {
      this.core.deadLetter(ref, name, payload, 'disconnected', undefined)
      return undefined
    }
    const fastPost = this.fastPost
    if (fastPost === undefined) this.endpoint.postMessage([TELL, ref.uid, ref.path, name, payload])
    else fastPost({ k: TELL, u: ref.uid, p: ref.path, n: name, d: copy(payload) })
    return undefined
  }

  ask(ref: Ref, name: string, payload: unknown, options: AskOptions | undefined): Promise<unknown> {
    if (options !== undefined) checkAskOptions(options)
    const reply = new AskReply(name, ref.path, this.core.clock, options)
    if (reply.done) return reply.promise
    if (!this.connected) {
      this.core.deadLetter(ref, name, payload, 'disconnected', reply)
      return reply.promise
    }
    const id = this.register(reply)
    const cancel =
      options !== undefined && (options.timeout !== undefined || options.signal !== undefined)
        ? 1
        : 0
    try {
      const fastPost = this.fastPost
      if (fastPost === undefined) {
        this.endpoint.postMessage([ASK, ref.uid, ref.path, name, payload, id, cancel])
      } else {
        fastPost({ k: ASK, u: ref.uid, p: ref.path, n: name, d: copy(payload), i: id, c: cancel })
      }
    } catch (error) {
      // The payload cannot be cloned: the ask rejects with the DataCloneError.
      this.pending.take(id)
      reply.reject(error)
    }
    return reply.promise
  }

  watch(ref: Ref, listener: (notice: TerminationNotice) => void): () => void {
    if (!this.connected) {
      const notice: TerminationNotice = { ref, reason: 'disconnected' }
      queueMicrotask(() => this.core.notify(listener, notice))
      return () => {}
    }
    let watched = this.watched.get(ref.uid)
    if (watched === undefined) {
      watched = { ref, listeners: new Set() }
      this.watched.set(ref.uid, watched)
      this.post([WATCH, ref.uid])
    }
    const { listeners } = watched
    listeners.add(listener)
    return () => {
      if (!listeners.delete(listener) || listeners.size > 0) return
      if (this.watched.get(ref.uid) !== watched) return
      this.watched.delete(ref.uid)
      if (this.connected) this.post([UNWATCH, ref.uid])
    }
  }

  lookup(path: string, options?: AskOptions): Promise<never> {
    if (typeof path !== 'string') throw new TypeError(`lookup() takes a path, got ${typeof path}`)
    if (options !== undefined) checkAskOptions(options)
    const reply = new AskReply('lookup', path, this.core.clock, options)
    if (!reply.done) {
      if (this.connected) {
        const id = this.register(reply)
        this.post([LOOKUP, id, path])
      } else reply.reject(new ActorError('DISCONNECTED', `lookup of ${path}: not connected`))
    }
    return reply.promise.then((ref) => ref ?? undefined) as Promise<never>
  }

  /** Gives a pending ask of this side its request id. */
  private register(reply: AskReply): number {
    const id = this.nextId++
    reply.ownedBy(this, id)
    this.pending.add(reply)
    return id
  }

  /** An ask of this side gave up: forget it and tell the peer. */
  cancelled(id: number): void {
    if (this.pending.take(id) !== undefined && this.connected) this.post([CANCEL, id])
  }

  // -------------------------------------------------------------------------------------------
  // Answers to the peer's asks.

  /** Posts a reply; a value that cannot be cloned becomes a DataCloneError for the asker. */
  answer(reply: RemoteReply, id: number, value: unknown): void {
    if (reply.cancellable) this.inbound.delete(id)
    if (!this.connected) return
    try {
      const fastPost = this.fastPost
      if (fastPost === undefined) this.endpoint.postMessage([REPLY, id, value])
      else fastPost({ k: REPLY, i: id, d: copy(value) })
    } catch (error) {
      this.post([ERROR, id, encodeError(dataCloneError('The reply', error), false)], 2)
    }
  }

  /** Posts a failure: an ActorError by code, anything else as a wire error. */
  refuse(reply: RemoteReply, id: number, error: unknown): void {
    if (reply.cancellable) this.inbound.delete(id)
    if (!this.connected) return
    if (error instanceof ActorError) {
      this.post([REFUSED, id, error.code, error.message])
      return
    }
    try {
      this.post([ERROR, id, encodeError(error, false)], 2)
    } catch (cloneError) {
      this.post([ERROR, id, encodeError(dataCloneError('The thrown value', cloneError), false)], 2)
    }
  }

  // -------------------------------------------------------------------------------------------
  // Incoming.

  private receive(data: unknown): void {
    if (!this.connected) return
    if (!Array.isArray(data)) {
      this.receiveObject(data)
      return
    }
    if (typeof data[0] !== 'number') {
      this.protocolError('a message that is not an entangle-actors message arrived')
      return
    }
    if (this.id === undefined && data[0] !== HELLO) {
      this.protocolError('a message arrived before the greeting')
      return
    }
    switch (data[0]) {
      case TELL:
        this.onTell(data[1], data[2], data[3], data[4])
        return
      case ASK:
        this.onAsk(data[1], data[2], data[3], data[4], data[5], data[6])
        return
      case REPLY:
        this.settle(data[1], undefined, revive(data[2], this.toRef))
        return
      case ERROR:
        this.settle(data[1], decodeError(data[2]), undefined)
        return
      case REFUSED: {
        const code = isActorErrorCode(data[2]) ? data[2] : 'PROTOCOL'
        const message = typeof data[3] === 'string' ? data[3] : 'the peer refused the ask'
        this.settle(data[1], new ActorError(code, message), undefined)
        return
      }
      case CANCEL: {
        const reply = this.inbound.get(data[1])
        this.inbound.delete(data[1])
        if (reply !== undefined) reply.done = true
        return
      }
      case WATCH:
        this.onWatch(data[1])
        return
      case UNWATCH: {
        const unwatch = this.served.get(data[1])
        this.served.delete(data[1])
        unwatch?.()
        return
      }
      case TERMINATED:
        this.onTerminated(data[1], data[2])
        return
      case LOOKUP: {
        if (!isId(data[1]) || typeof data[2] !== 'string') break
        const cell = this.core.find(data[2])
        // The ref is cloned into its address on the way out.
        this.post([REPLY, data[1], cell === undefined ? null : cell.self], 2)
        return
      }
      case HELLO:
        this.onHello(data)
        return
      case BYE:
        this.shut()
        return
    }
    this.protocolError(`a malformed message of kind ${data[0]} arrived`)
  }

  /** TELL, ASK and REPLY in their object form (see the top of this file). */
  private receiveObject(data: unknown): void {
    const kind = typeof data === 'object' && data !== null ? (data as FastMessage).k : undefined
    if (kind !== TELL && kind !== ASK && kind !== REPLY) {
      this.protocolError('a message that is not an entangle-actors message arrived')
      return
    }
    if (this.id === undefined) {
      this.protocolError('a message arrived before the greeting')
      return
    }
    const m = data as FastMessage
    if (kind === TELL) this.onTell(m.u, m.p, m.n, m.d)
    else if (kind === ASK) this.onAsk(m.u, m.p, m.n, m.d, m.i, m.c)
    else this.settle(m.i, undefined, revive(m.d, this.toRef))
  }

  private onHello(data: unknown[]): void {
    const [, name, version, id] = data
    if (name !== ACTORS_PROTOCOL_NAME) {
      this.protocolError(`the peer does not speak ${ACTORS_PROTOCOL_NAME}`)
      return
    }
    if (version !== ACTORS_PROTOCOL_VERSION) {
      this.onError(
        new ActorError(
          'PROTOCOL',
          `the peer speaks ${ACTORS_PROTOCOL_NAME} version ${String(version)}, ` +
            `this side version ${ACTORS_PROTOCOL_VERSION}`,
        ),
      )
      this.close()
      return
    }
    if (typeof id !== 'string' || id === this.core.id) {
      this.onError(
        new ActorError('PROTOCOL', `the peer's system id ${String(id)} is invalid or equals ours`),
      )
      this.close()
      return
    }
    this.id = id
    this.core.linksById.set(id, this)
    this.core.emit('connected', this)
  }

  private onTell(uid: unknown, path: unknown, name: unknown, payload: unknown): void {
    if (!isId(uid) || typeof path !== 'string' || typeof name !== 'string') {
      this.protocolError('a malformed tell arrived')
      return
    }
    const cell = this.cellFor(uid)
    const revived = revive(payload, this.toRef)
    if (cell === undefined) {
      const ref = new Ref(this.core.id, path, uid, this.core.unreachable)
      this.core.deadLetter(ref, name, revived, 'stopped', undefined)
      return
    }
    cell.send(name, revived, undefined, false, true)
  }

  private onAsk(
    uid: unknown,
    path: unknown,
    name: unknown,
    payload: unknown,
    id: unknown,
    cancel: unknown,
  ): void {
    if (!isId(uid) || typeof path !== 'string' || typeof name !== 'string' || !isId(id)) {
      this.protocolError('a malformed ask arrived')
      return
    }
    const reply = new RemoteReply(this, id, cancel === 1)
    const cell = this.cellFor(uid)
    const revived = revive(payload, this.toRef)
    if (cell === undefined) {
      const ref = new Ref(this.core.id, path, uid, this.core.unreachable)
      this.core.deadLetter(ref, name, revived, 'stopped', reply)
      return
    }
    if (reply.cancellable) this.inbound.set(id, reply)
    cell.send(name, revived, reply, false, true)
  }

  /** The live local cell with that uid. */
  private cellFor(uid: number): Cell | undefined {
    const last = this.lastCell
    if (last !== undefined && last.uid === uid && !last.stopped) return last
    const cell = this.core.cell(uid)
    if (cell !== undefined) this.lastCell = cell
    return cell
  }

  private settle(id: unknown, error: unknown, value: unknown): void {
    if (!isId(id)) {
      this.protocolError('a reply without a valid id arrived')
      return
    }
    const reply = this.pending.take(id)
    if (reply === undefined) return // it timed out or was aborted meanwhile
    if (error !== undefined) reply.reject(error)
    else reply.resolve(value)
  }

  private onWatch(uid: unknown): void {
    if (!isId(uid)) {
      this.protocolError('a malformed watch arrived')
      return
    }
    if (this.served.has(uid)) return
    const cell = this.core.cell(uid)
    if (cell === undefined) {
      this.post([TERMINATED, uid, 'stopped'])
      return
    }
    this.served.set(
      uid,
      cell.watch(cell.self, (notice) => {
        this.served.delete(uid)
        if (this.connected) this.post([TERMINATED, uid, notice.reason])
      }),
    )
  }

  private onTerminated(uid: unknown, reason: unknown): void {
    const watched = isId(uid) ? this.watched.get(uid) : undefined
    if (watched === undefined) return
    this.watched.delete(uid as number)
    const notice: TerminationNotice = {
      ref: watched.ref,
      reason: reasons.has(reason as string) ? (reason as TerminationReason) : 'stopped',
    }
    for (const listener of watched.listeners) this.core.notify(listener, notice)
  }

  /** Turns an address that arrived from the peer into a ref. */
  private refFor(address: Address): Ref {
    const systemId = address[ADDRESS_TAG]
    const { path, uid } = address
    const core = this.core
    if (systemId === core.id) {
      const cell = core.cell(uid)
      return cell !== undefined && cell.path === path
        ? cell.self
        : new Ref(systemId, path, uid, core.unreachable)
    }
    const link = systemId === this.id ? this : core.linksById.get(systemId)
    return new Ref(systemId, path, uid, link ?? core.unreachable)
  }

  // -------------------------------------------------------------------------------------------
  // Closing.

  /** Says goodbye, closes the link and the endpoint. */
  close(): void {
    if (!this.connected) return
    try {
      this.endpoint.postMessage([BYE])
    } catch {}
    this.shut()
    this.attachment.close()
  }

  /** The link is gone: asks reject, watches fire, replies to the peer are dropped. */
  private shut(): void {
    if (!this.connected) return
    this.connected = false
    this.lastCell = undefined
    this.attachment.detach()
    const core = this.core
    core.links.delete(this)
    if (this.id !== undefined && core.linksById.get(this.id) === this)
      core.linksById.delete(this.id)
    const lost = new ActorError('DISCONNECTED', `the connection to ${this.id ?? 'the peer'} closed`)
    for (const reply of this.pending.takeAll()) reply.reject(lost)
    for (const reply of this.inbound.values()) reply.done = true
    this.inbound.clear()
    for (const unwatch of this.served.values()) unwatch()
    this.served.clear()
    const watched = Array.from(this.watched.values())
    this.watched.clear()
    for (const { ref, listeners } of watched) {
      for (const listener of listeners) core.notify(listener, { ref, reason: 'disconnected' })
    }
    core.emit('disconnected', this)
  }

  /**
   * Posts `message` if connected. Element `payload` (if not -1) is the only element that may not
   * be a primitive: on a core port it alone is cloned and the envelope goes uncloned.
   */
  private post(message: unknown[], payload = -1): void {
    if (!this.connected) return
    const fastPost = this.fastPost
    if (fastPost === undefined) {
      this.endpoint.postMessage(message)
      return
    }
    if (payload >= 0) message[payload] = copy(message[payload])
    fastPost(message)
  }

  private protocolError(message: string): void {
    this.onError(new ActorError('PROTOCOL', message))
  }
}
