/**
 * One connection per endpoint, holding both roles on its port pair: the calling side (pending
 * calls, imported handles, stream consumers, remote emitters) and the serving side (services,
 * exported handles, stream producers, forwarded events). Every message is dispatched here; see
 * protocol.ts for the shapes and PROTOCOL.md for the rules.
 */
import { EventEmitter } from 'eventemitter3'
import { enter, leave, type SignalSource } from './context'
import { type Attachment, attach, type Endpoint, postUncloned } from './endpoint'
import { dataCloneError, decodeError, encodeError, RpcError } from './errors'
import {
  createEmitter,
  detachEmitter,
  type EmitterExport,
  emitterIdOn,
  RemoteEmitter,
  subscribe,
  unsubscribe,
  unsubscribeAll,
} from './events'
import {
  type CallOptions,
  type ConnectionOptions,
  defaultOptions,
  type ResolvedOptions,
  resolveOptions,
} from './options'
import { PendingCalls } from './pending'
import {
  APPLY,
  BYE,
  CANCEL,
  describe,
  EMIT,
  END,
  ERR,
  FAIL,
  GET,
  HELLO,
  ITEM,
  isId,
  isPath,
  isRefs,
  NEW,
  OK,
  PROTOCOL_NAME,
  PROTOCOL_VERSION,
  PULL,
  REF_EMITTER,
  REF_HANDLE,
  REF_LOCAL,
  REF_STREAM,
  RELEASE,
  SET,
  STOP,
  SUB,
  UNSUB,
  type WirePath,
} from './protocol'
import { createRecord, handlerOf, type ImportEntry, isMarked, type RemoteRecord } from './remote'
import { checkAllowed, checkAssignable, member } from './safety'
import {
  abandonProducer,
  type ConsumerState,
  createConsumer,
  grant,
  onEnd,
  onFail,
  onItem,
  openStream,
  type Producer,
  stopProducer,
} from './stream'

interface Service {
  value: object
  /** Allowed paths as key lists, each with what lies below it; undefined allows everything. */
  allow: readonly (readonly string[])[] | undefined
}

interface HandleExport {
  readonly kind: 0
  readonly value: object
  count: number
}
type Export = HandleExport | EmitterExport

// One shared executor captures resolve/reject without a closure per call.
const noop = () => {}
let capturedResolve: (value: unknown) => void = noop
let capturedReject: (error: unknown) => void = noop
function capture(resolve: (value: unknown) => void, reject: (error: unknown) => void): void {
  capturedResolve = resolve
  capturedReject = reject
}

/** Index of the first argument in a request. */
const ARGS = 5

function isCloneError(error: unknown): boolean {
  return error instanceof Error && error.name === 'DataCloneError'
}

// The garbage collector took an import's last proxy. A call in flight holds its record (in the
// pending table), so this never runs under one.
const finalizers = new FinalizationRegistry<ImportEntry>((entry) => entry.conn.releaseImport(entry))

const connections = new WeakMap<object, Connection>()

/**
 * The connection on `endpoint`, created on first use; `options` update it. A closed connection stays
 * the endpoint's connection: the peer is gone, so a new one would wait for replies forever, while
 * the closed one rejects every call at once.
 */
export function connect(endpoint: Endpoint, options: ConnectionOptions): Connection {
  const existing = connections.get(endpoint)
  if (existing !== undefined) {
    existing.options = resolveOptions(existing.options, options)
    return existing
  }
  const conn = new Connection(endpoint, resolveOptions(defaultOptions, options))
  connections.set(endpoint, conn)
  return conn
}

/** The connection on `endpoint` (open or closed), if any. */
export function connectionOf(endpoint: object): Connection | undefined {
  return connections.get(endpoint)
}

/** Both roles of the RPC protocol on one endpoint. */
export class Connection implements SignalSource {
  options: ResolvedOptions
  /** Set once the connection is closed; every later call rejects with it. */
  closedError: RpcError | undefined = undefined

  readonly liveEmitters = new Set<RemoteEmitter>()
  readonly producers = new Map<number, Producer>()
  readonly consumers = new Map<number, ConsumerState>()

  private readonly endpoint: Endpoint
  /** The endpoint's `postUncloned` method, when it offers one. */
  private readonly fastPost: ((message: unknown[]) => void) | undefined
  private readonly attachment: Attachment
  /** Highest id used so far: an id above it never existed (malformed), one below may be stale. */
  private lastCall = 0
  private lastExport = 0
  private lastServed = 0
  private lastImport = 0
  private exportKind = 0
  private readonly pending = new PendingCalls()
  private readonly services = new Map<string, Service>()
  private readonly exports = new Map<number, Export>()
  private readonly exportIds = new WeakMap<object, number>()
  private readonly imports = new Map<number, ImportEntry>()
  private readonly controllers = new Map<number, AbortController>()

  constructor(endpoint: Endpoint, options: ResolvedOptions) {
    this.endpoint = endpoint
    const fastPost = (endpoint as { [postUncloned]?: unknown })[postUncloned]
    this.fastPost =
      typeof fastPost === 'function' ? (fastPost as (m: unknown[]) => void) : undefined
    this.options = options
    this.attachment = attach(endpoint, {
      message: (data) => this.receive(data),
      closed: () => this.shutdown(new RpcError('CLOSED', 'The port was closed'), false),
      messageError: () => this.malformed('a message could not be deserialized'),
    })
    this.send([HELLO, PROTOCOL_NAME, PROTOCOL_VERSION])
  }

  // ---------------------------------------------------------------- public surface (via rpc.ts)

  /** Exposes `value` under `name`; returns the function that withdraws it. */
  expose(
    name: string,
    value: object,
    allow: readonly (readonly string[])[] | undefined,
  ): () => void {
    if (this.closedError !== undefined) throw this.closedError
    if (this.services.has(name)) {
      throw new Error(`A service named "${name}" is already exposed on this endpoint`)
    }
    const service: Service = { value, allow }
    this.services.set(name, service)
    return () => {
      if (this.services.get(name) === service) this.services.delete(name)
    }
  }

  /** The root proxy for the peer's service `name`. */
  wrap(name: string): object {
    return createRecord(this, name, undefined).root
  }

  /** Closes the connection: pending calls on both sides reject, the endpoint is closed. */
  close(): void {
    this.shutdown(new RpcError('CLOSED', 'The connection was closed'), true)
  }

  /** Reports to `onError`, which must never throw into the host. */
  report(error: Error): void {
    try {
      this.options.onError(error)
    } catch {
      // An error handler that throws has nowhere else to go.
    }
  }

  /** Posts a message unless closed; a failure goes to `onError`. Returns whether it was posted. */
  send(message: unknown[]): boolean {
    if (this.closedError !== undefined) return false
    try {
      this.post(message)
      return true
    } catch (error) {
      this.report(error instanceof Error ? error : new Error(String(error)))
      return false
    }
  }

  /** Posts a message, skipping the clone where the endpoint allows it and nothing needs one. */
  private post(message: unknown[]): void {
    if (this.fastPost !== undefined && isFlat(message)) this.fastPost.call(this.endpoint, message)
    else this.endpoint.postMessage(message)
  }

  // ------------------------------------------------------------------------------ calling side

  /** Sends one request and returns the promise of its reply. */
  call(
    kind: number,
    record: RemoteRecord,
    path: readonly string[],
    args: unknown[],
    options: CallOptions | undefined,
  ): Promise<unknown> {
    if (this.closedError !== undefined) return rejectedQuietly(this.closedError)
    if (record.released) return rejectedQuietly(this.releasedError(record))
    if (options?.signal?.aborted) return Promise.reject(abortedError(record, path, options.signal))
    const id = ++this.lastCall
    const target = record.target
    const wirePath = path.length === 1 ? (path[0] as string) : path
    // [kind, id, target, path, refs, ...args]: one flat array, the cheapest shape to clone.
    // Literal arrays for the common arities: cheaper than a spread, and never grown by a push.
    let message: unknown[]
    switch (args.length) {
      case 0:
        message = [kind, id, target, wirePath, 0]
        break
      case 1:
        message = [kind, id, target, wirePath, 0, args[0]]
        break
      case 2:
        message = [kind, id, target, wirePath, 0, args[0], args[1]]
        break
      case 3:
        message = [kind, id, target, wirePath, 0, args[0], args[1], args[2]]
        break
      default:
        message = [kind, id, target, wirePath, 0, ...args]
    }
    // An argument that travels by reference leaves null in its slot and a triple in `refs`.
    let refs: number[] | undefined
    for (let i = 0; i < args.length; i++) {
      const arg = args[i]
      if (typeof arg !== 'function' && (typeof arg !== 'object' || arg === null)) continue
      let ref: number
      try {
        ref = this.reference(arg)
      } catch (error) {
        this.unexport(refs)
        return Promise.reject(cloneFailure(`Argument ${i} of ${describe(target, path)}()`, error))
      }
      if (ref === 0) continue
      refs ??= []
      refs.push(i, this.exportKind, ref)
      message[ARGS + i] = null
    }
    if (refs !== undefined) message[4] = refs
    const promise = new Promise(capture)
    this.pending.add(id, promise, capturedResolve, capturedReject, record)
    capturedResolve = capturedReject = noop
    try {
      this.post(message)
    } catch (error) {
      this.pending.reject(id, argumentsFailure(error, message, record, path))
      this.unexport(refs)
      return promise
    }
    if (options !== undefined) this.watch(id, record, path, options)
    return promise
  }

  /** Releases a remote: pending calls on it reject with 'RELEASED', the owner drops it. */
  releaseRecord(record: RemoteRecord): void {
    if (record.released) return
    record.released = true
    if (record.entry !== undefined) this.releaseImport(record.entry)
    const ids = this.pending.idsOf(record)
    if (ids.length === 0) return
    const error = this.releasedError(record)
    for (const id of ids) {
      this.pending.reject(id, error, true)
      this.send([CANCEL, id, 'ABORTED'])
    }
  }

  /** Gives the owner back every reference received for an import. */
  releaseImport(entry: ImportEntry): void {
    if (this.imports.get(entry.id) !== entry) return
    this.imports.delete(entry.id)
    this.send([RELEASE, entry.id, entry.count])
  }

  private releasedError(record: RemoteRecord): RpcError {
    return new RpcError('RELEASED', `${describe(record.target, [])} was released`)
  }

  private watch(
    id: number,
    record: RemoteRecord,
    path: readonly string[],
    options: CallOptions,
  ): void {
    const { signal, timeout } = options
    let timer: ReturnType<typeof setTimeout> | undefined
    const onAbort = () => {
      if (signal !== undefined) this.cancel(id, abortedError(record, path, signal))
    }
    if (timeout !== undefined && timeout !== Number.POSITIVE_INFINITY) {
      timer = setTimeout(() => {
        const what = describe(record.target, path)
        this.cancel(id, new RpcError('TIMEOUT', `${what}() timed out after ${timeout} ms`))
      }, timeout)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    this.pending.onSettle(id, () => {
      if (timer !== undefined) clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
    })
  }

  private cancel(id: number, error: RpcError): void {
    if (this.pending.reject(id, error)) this.send([CANCEL, id, error.code])
  }

  // ------------------------------------------------------------------------------- dispatching

  private receive(data: unknown): void {
    if (!Array.isArray(data)) {
      this.malformed(`expected an array, got ${data === null ? 'null' : typeof data}`)
      return
    }
    try {
      switch (data[0]) {
        case APPLY:
        case GET:
        case SET:
        case NEW:
          this.serve(data[0], data)
          break
        case OK:
          this.settled(data)
          break
        case ERR:
          this.failed(data)
          break
        case CANCEL:
          this.cancelled(data)
          break
        case RELEASE:
          if (!this.exported(data[1]) || !isId(data[2])) {
            this.malformed('a bad RELEASE')
            return
          }
          this.dropExport(data[1], data[2])
          break
        case PULL: {
          if (!this.exported(data[1]) || !isId(data[2])) {
            this.malformed('a bad PULL')
            return
          }
          const producer = this.producers.get(data[1])
          if (producer !== undefined) grant(this, data[1], producer, data[2])
          break
        }
        case STOP: {
          if (!this.exported(data[1])) {
            this.malformed('a bad STOP')
            return
          }
          const producer = this.producers.get(data[1])
          if (producer !== undefined) stopProducer(this, data[1], producer)
          break
        }
        case ITEM:
        case END:
        case FAIL:
          this.streamed(data)
          break
        case SUB:
        case UNSUB:
          this.subscription(data)
          break
        case EMIT:
          this.emitted(data)
          break
        case HELLO:
          this.hello(data)
          break
        case BYE:
          this.shutdown(new RpcError('CLOSED', 'The peer closed the connection'), false)
          break
        default:
          this.malformed(`unknown message kind ${String(data[0])}`)
      }
    } catch (error) {
      // A throwing event listener, or a bug: never thrown into the host.
      this.report(error instanceof Error ? error : new Error(String(error)))
    }
  }

  /** Whether `id` is one this side exported at some point. */
  private exported(id: unknown): id is number {
    return isId(id) && id <= this.lastExport
  }

  /** Whether `id` is one the peer exported to this side at some point. */
  private imported(id: unknown): id is number {
    return isId(id) && id <= this.lastImport
  }

  private malformed(reason: string): void {
    this.report(new RpcError('PROTOCOL', `Ignored a malformed or foreign message: ${reason}`))
  }

  private hello(data: unknown[]): void {
    if (data[1] !== PROTOCOL_NAME) {
      this.malformed('a handshake of another protocol')
      return
    }
    if (data[2] === PROTOCOL_VERSION) return
    const error = new RpcError(
      'VERSION',
      `The peer speaks ${PROTOCOL_NAME} protocol version ${String(data[2])}; this side speaks version ${PROTOCOL_VERSION}`,
    )
    this.report(error)
    this.shutdown(error, false)
  }

  private settled(data: unknown[]): void {
    const id = data[1]
    const refs = data[3]
    if (!isId(id) || id > this.lastCall) {
      this.malformed('a reply to an unknown call')
      return
    }
    // A reply to a call cancelled or released meanwhile is expected, and ignored.
    if (refs === undefined) {
      this.pending.resolve(id, data[2])
      return
    }
    if (!isRefs(refs, 1)) {
      const error = new RpcError('PROTOCOL', 'The reply carried malformed references')
      if (!this.pending.reject(id, error)) this.malformed('a reply with malformed references')
      return
    }
    const kind = refs[1] as number
    const ref = refs[2] as number
    if (!this.pending.has(id)) {
      this.giveBack(kind, ref)
      return
    }
    let value: unknown
    try {
      value = this.importRef(kind, ref)
    } catch (error) {
      this.pending.reject(id, error)
      return
    }
    this.pending.resolve(id, value)
  }

  private failed(data: unknown[]): void {
    const id = data[1]
    if (!isId(id) || id > this.lastCall) this.malformed('an error reply to an unknown call')
    else if (this.pending.has(id)) this.pending.reject(id, decodeError(data[2]))
  }

  // ------------------------------------------------------------------------------ serving side

  private serve(kind: number, data: unknown[]): void {
    const id = data[1]
    const target = data[2]
    const path = data[3]
    const refs = data[4]
    if (!isId(id) || !(typeof target === 'string' || isId(target))) {
      this.malformed('a request without a valid id or target')
      return
    }
    if (id > this.lastServed) this.lastServed = id
    if (typeof path !== 'string' && !isPath(path)) {
      this.malformed('a request without a path')
      return
    }
    if (refs !== 0 && !isRefs(refs, data.length - ARGS)) {
      this.malformed('a request with malformed references')
      return
    }
    let result: unknown
    let thenable = false
    enter(this, id)
    try {
      if (refs !== 0) this.importSlots(data, ARGS, refs)
      result = this.perform(kind, target, path, data)
      // Inside the try: reading `then` runs the result's code, which may throw.
      thenable =
        typeof result === 'object' &&
        result !== null &&
        typeof (result as PromiseLike<unknown>).then === 'function'
    } catch (error) {
      leave()
      this.reject(id, error)
      return
    }
    leave()
    if (thenable) {
      Promise.resolve(result).then(
        (value) => this.resolve(kind, id, value, target, path),
        (error) => this.reject(id, error),
      )
    } else {
      this.resolve(kind, id, result, target, path)
    }
  }

  /** Runs one request; `data` holds the arguments from index ARGS on. */
  private perform(kind: number, target: string | number, path: WirePath, data: unknown[]): unknown {
    let owner: unknown = this.lookup(target, path)
    let key: string | undefined
    if (typeof path === 'string') {
      key = path
    } else {
      const last = path.length - 1
      for (let i = 0; i < last; i++) owner = member(owner, path[i] as string, target, path)
      key = path[last]
    }
    if (kind === GET) return key === undefined ? owner : member(owner, key, target, path)
    if (kind === SET) {
      if (key === undefined) throw new TypeError('Cannot assign to the exposed value itself')
      checkAssignable(owner, key, target, path)
      owner[key] = data[ARGS]
      return undefined
    }
    const fn = key === undefined ? owner : member(owner, key, target, path)
    if (typeof fn !== 'function') {
      const what = kind === NEW ? 'a constructor' : 'a function'
      throw new TypeError(`${describe(target, path)} is not ${what}`)
    }
    const self = key === undefined ? undefined : owner
    if (kind === APPLY) {
      // Literal lists for the common arities: V8 elides them, a slice it cannot.
      switch (data.length - ARGS) {
        case 0:
          return Reflect.apply(fn, self, [])
        case 1:
          return Reflect.apply(fn, self, [data[ARGS]])
        case 2:
          return Reflect.apply(fn, self, [data[ARGS], data[ARGS + 1]])
        case 3:
          return Reflect.apply(fn, self, [data[ARGS], data[ARGS + 1], data[ARGS + 2]])
        default:
          return Reflect.apply(fn, self, data.slice(ARGS))
      }
    }
    // NEW: the instance always travels by reference.
    return new Marked(Reflect.construct(fn, data.slice(ARGS)) as object)
  }

  private lookup(target: string | number, path: WirePath): unknown {
    if (typeof target === 'number') {
      const entry = this.exports.get(target)
      if (entry === undefined || entry.kind !== REF_HANDLE) {
        throw new RpcError('RELEASED', `remote#${target} was released or never existed`)
      }
      return entry.value
    }
    const service = this.services.get(target)
    if (service === undefined) {
      const what = target === '' ? 'No default service' : `No service named "${target}"`
      throw new RpcError('NOT_FOUND', `${what} is exposed on the peer`)
    }
    if (service.allow !== undefined) checkAllowed(service.allow, target, path)
    return service.value
  }

  private resolve(
    kind: number,
    id: number,
    value: unknown,
    target: string | number,
    path: WirePath,
  ): void {
    if (this.controllers.size !== 0) this.controllers.delete(id)
    if (this.closedError !== undefined) return
    let message: unknown[]
    let refs: number[] | undefined
    if (typeof value === 'function' || (typeof value === 'object' && value !== null)) {
      let ref: number
      try {
        ref =
          value instanceof Marked
            ? this.exportHandle(value.value, REF_HANDLE, 1)
            : this.reference(value)
      } catch (error) {
        this.reject(id, cloneFailure(resultLabel(kind, target, path), error))
        return
      }
      if (ref !== 0) {
        refs = [0, this.exportKind, ref]
        message = [OK, id, null, refs]
      } else {
        message = [OK, id, value]
      }
    } else {
      message = [OK, id, value]
    }
    try {
      this.post(message)
    } catch (error) {
      this.unexport(refs)
      this.reject(
        id,
        isCloneError(error) ? dataCloneError(resultLabel(kind, target, path), error) : error,
      )
    }
  }

  private reject(id: number, error: unknown): void {
    if (this.controllers.size !== 0) this.controllers.delete(id)
    if (this.closedError !== undefined) return
    const redact = this.options.redactStack
    try {
      this.post([ERR, id, encodeError(error, redact)])
    } catch (cloneError) {
      const replacement = dataCloneError('The thrown value', cloneError)
      this.send([ERR, id, encodeError(replacement, redact)])
    }
  }

  private cancelled(data: unknown[]): void {
    const id = data[1]
    if (!isId(id) || id > this.lastServed) {
      this.malformed('a CANCEL of an unknown request')
      return
    }
    const controller = this.controllers.get(id)
    if (controller === undefined) return
    this.controllers.delete(id)
    const code = data[2] === 'TIMEOUT' ? 'TIMEOUT' : 'ABORTED'
    controller.abort(new RpcError(code, 'The caller cancelled the call'))
  }

  /** The AbortSignal of request `id` (for `currentSignal()`). */
  signalFor(id: number): AbortSignal {
    let controller = this.controllers.get(id)
    if (controller === undefined) {
      controller = new AbortController()
      if (this.closedError !== undefined) controller.abort(this.closedError)
      else this.controllers.set(id, controller)
    }
    return controller.signal
  }

  // ---------------------------------------------------------------- references (both sides)

  /**
   * Decides how an object or function crosses: returns 0 to clone it, or the id of a reference
   * (its kind left in `exportKind`). Throws for a function that is neither marked nor a remote.
   */
  private reference(value: object): number {
    if (isMarked(value)) return this.exportHandle(value, REF_HANDLE, 1)
    if (typeof value === 'function') {
      const handler = handlerOf(value)
      if (handler === undefined) {
        throw new TypeError('it is a function; wrap it in proxy() to pass it by reference')
      }
      const record = handler.record
      if (record.conn === this && handler.path.length === 0 && typeof record.target === 'number') {
        if (record.released) throw this.releasedError(record)
        this.exportKind = REF_LOCAL
        return record.target
      }
      // A remote of another connection (or a path of one): calls are forwarded to it.
      return this.exportHandle(value, REF_HANDLE, 1)
    }
    if (value instanceof EventEmitter) {
      const local = value instanceof RemoteEmitter ? emitterIdOn(value, this) : undefined
      if (local !== undefined) {
        this.exportKind = REF_LOCAL
        return local
      }
      return this.exportHandle(value, REF_EMITTER, 1)
    }
    if (typeof (value as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator] === 'function') {
      const iterator = (value as AsyncIterable<unknown>)[Symbol.asyncIterator]()
      const id = ++this.lastExport
      this.producers.set(id, { iterator, credit: 0, running: false, stopping: false })
      this.exportKind = REF_STREAM
      return id
    }
    return 0
  }

  private exportHandle(value: object, kind: 0 | 3, count: number): number {
    let id = this.exportIds.get(value)
    const existing = id === undefined ? undefined : this.exports.get(id)
    if (id !== undefined && existing !== undefined) {
      existing.count += count
      this.exportKind = existing.kind
      return id
    }
    id = ++this.lastExport
    this.exports.set(
      id,
      kind === REF_EMITTER
        ? { kind, value: value as EventEmitter, count, subscriptions: new Map() }
        : { kind, value, count },
    )
    this.exportIds.set(value, id)
    this.exportKind = kind
    return id
  }

  /** Undoes the exports of a message that could not be posted. */
  private unexport(refs: number[] | undefined): void {
    if (refs === undefined) return
    for (let i = 0; i < refs.length; i += 3) {
      const kind = refs[i + 1]
      const id = refs[i + 2] as number
      if (kind === REF_STREAM) {
        const producer = this.producers.get(id)
        this.producers.delete(id)
        if (producer !== undefined) abandonProducer(producer)
      } else if (kind !== REF_LOCAL) {
        this.dropExport(id, 1)
      }
    }
  }

  /** Gives the peer back a reference that arrived in a reply nobody waits for any more. */
  private giveBack(kind: number, id: number): void {
    if (kind === REF_LOCAL) return
    if (id > this.lastImport) this.lastImport = id
    if (kind === REF_STREAM) this.send([STOP, id])
    else this.send([RELEASE, id, 1])
  }

  private dropExport(id: number, count: number): void {
    const entry = this.exports.get(id)
    if (entry === undefined) return
    entry.count -= count
    if (entry.count > 0) return
    this.exports.delete(id)
    this.exportIds.delete(entry.value)
    if (entry.kind === REF_EMITTER) unsubscribeAll(entry)
  }

  private importSlots(values: unknown[], offset: number, refs: unknown[]): void {
    for (let i = 0; i < refs.length; i += 3) {
      values[offset + (refs[i] as number)] = this.importRef(
        refs[i + 1] as number,
        refs[i + 2] as number,
      )
    }
  }

  private importRef(kind: number, id: number): unknown {
    if (kind !== REF_LOCAL && id > this.lastImport) this.lastImport = id
    if (kind === REF_LOCAL) {
      const entry = this.exports.get(id)
      if (entry !== undefined) return entry.value
      throw new RpcError('RELEASED', `remote#${id} came back after it was released`)
    }
    if (kind === REF_STREAM) {
      const state = createConsumer(this, id, this.options.readAhead)
      this.consumers.set(id, state)
      return openStream(state)
    }
    const entry = this.imports.get(id)
    if (entry !== undefined) {
      const live = entry.ref.deref()
      if (live !== undefined && entry.kind === kind) {
        entry.count++
        return kind === REF_HANDLE ? (live as RemoteRecord).root : live
      }
      // Collected but not finalized yet: give the old references back now.
      this.releaseImport(entry)
    }
    const fresh: ImportEntry = { conn: this, id, kind, count: 1, ref: new WeakRef(this) }
    let held: object
    let result: object
    if (kind === REF_HANDLE) {
      const record = createRecord(this, id, fresh)
      held = record
      result = record.root
    } else {
      held = result = createEmitter(this, fresh)
    }
    fresh.ref = new WeakRef(held)
    this.imports.set(id, fresh)
    finalizers.register(held, fresh)
    return result
  }

  // --------------------------------------------------------------------- streams and events

  /** Producer side: sends one item; false (and FAIL sent) when it cannot be cloned. */
  streamItem(id: number, value: unknown): boolean {
    if (this.closedError !== undefined) return false
    try {
      this.post([ITEM, id, value])
      return true
    } catch (error) {
      this.streamFail(id, isCloneError(error) ? dataCloneError('A stream item', error) : error)
      return false
    }
  }

  /** Producer side: the iterator finished. */
  streamEnd(id: number, value: unknown): void {
    if (this.closedError !== undefined) return
    try {
      this.post([END, id, value])
    } catch (error) {
      this.streamFail(id, isCloneError(error) ? dataCloneError('The stream result', error) : error)
    }
  }

  /** Producer side: the iterator threw. */
  streamFail(id: number, error: unknown): void {
    this.send([FAIL, id, encodeError(error, this.options.redactStack)])
  }

  private streamed(data: unknown[]): void {
    if (!this.imported(data[1])) {
      this.malformed('a stream message for an unknown stream')
      return
    }
    const state = this.consumers.get(data[1])
    if (state === undefined) return
    if (data[0] === ITEM) {
      if (!onItem(state, data[2])) this.malformed('a stream item beyond the granted credit')
    } else if (data[0] === END) onEnd(state, data[2])
    else onFail(state, decodeError(data[2]))
  }

  private subscription(data: unknown[]): void {
    if (!this.exported(data[1]) || typeof data[2] !== 'string') {
      this.malformed('a bad subscription')
      return
    }
    const entry = this.exports.get(data[1])
    if (entry === undefined || entry.kind !== REF_EMITTER) return
    if (data[0] === SUB) subscribe(this, data[1] as number, entry, data[2])
    else unsubscribe(entry, data[2])
  }

  /** Owner side: forwards one event to the subscriber. */
  forwardEvent(id: number, event: string, args: unknown[]): void {
    if (this.closedError !== undefined) return
    try {
      this.post([EMIT, id, event, args])
    } catch (error) {
      this.report(
        isCloneError(error)
          ? dataCloneError(`The arguments of event "${event}"`, error)
          : (error as Error),
      )
    }
  }

  private emitted(data: unknown[]): void {
    if (!this.imported(data[1]) || typeof data[2] !== 'string' || !Array.isArray(data[3])) {
      this.malformed('a bad event')
      return
    }
    const emitter = this.imports.get(data[1])?.ref.deref()
    if (emitter instanceof RemoteEmitter) emitter.emit(data[2], ...data[3])
  }

  // ---------------------------------------------------------------------------------- closing

  /**
   * Ends the connection with `error`: every pending call, stream and signal settles at once, and
   * every later call rejects with `error`. `byThisSide` (a `close()` here, not the peer leaving or
   * a version mismatch) also tells the peer (BYE) and closes the endpoint.
   */
  private shutdown(error: RpcError, byThisSide: boolean): void {
    if (this.closedError !== undefined) return
    if (byThisSide) this.send([BYE])
    this.closedError = error
    this.attachment.detach()
    for (const id of this.pending.allIds()) this.pending.reject(id, error, true)
    const controllers = [...this.controllers.values()]
    this.controllers.clear()
    for (const controller of controllers) controller.abort(error)
    for (const producer of this.producers.values()) abandonProducer(producer)
    this.producers.clear()
    for (const state of [...this.consumers.values()]) onFail(state, error)
    for (const entry of this.exports.values()) {
      if (entry.kind === REF_EMITTER) unsubscribeAll(entry)
    }
    this.exports.clear()
    for (const emitter of this.liveEmitters) detachEmitter(emitter)
    this.liveEmitters.clear()
    this.imports.clear()
    this.services.clear()
    if (byThisSide) {
      try {
        this.attachment.close()
      } catch (closeError) {
        this.report(closeError instanceof Error ? closeError : new Error(String(closeError)))
      }
    }
  }
}

/** Whether every element of `message` is a primitive a clone would copy as it is. */
function isFlat(message: unknown[]): boolean {
  for (let i = 0; i < message.length; i++) {
    const value = message[i]
    if (
      typeof value === 'object'
        ? value !== null
        : typeof value === 'function' || typeof value === 'symbol'
    ) {
      return false
    }
  }
  return true
}

/** A constructed instance on its way back: always sent by reference. */
class Marked {
  constructor(readonly value: object) {}
}

function resultLabel(kind: number, target: string | number, path: WirePath): string {
  return kind === GET
    ? `The value of ${describe(target, path)}`
    : `The result of ${describe(target, path)}()`
}

function abortedError(record: RemoteRecord, path: readonly string[], signal: AbortSignal) {
  const what = describe(record.target, path)
  return new RpcError('ABORTED', `${what}() was aborted`, { cause: signal.reason })
}

/** A DataCloneError for `what`, keeping another error (already a DataCloneError, a release) as is. */
function cloneFailure(what: string, error: unknown): unknown {
  if (error instanceof RpcError) return error
  return dataCloneError(what, error)
}

/** Names the argument of request `message` that made postMessage throw. */
function argumentsFailure(
  error: unknown,
  message: unknown[],
  record: RemoteRecord,
  path: readonly string[],
): unknown {
  if (!isCloneError(error)) return error
  const what = describe(record.target, path)
  // The message, not the arguments: a reference's slot holds null there.
  for (let i = ARGS; i < message.length; i++) {
    try {
      structuredClone(message[i])
    } catch (inner) {
      return dataCloneError(`Argument ${i - ARGS} of ${what}()`, inner)
    }
  }
  return dataCloneError(`The arguments of ${what}()`, error)
}

/** A promise rejected with one of the connection's own errors, never an unhandled rejection. */
function rejectedQuietly(error: RpcError): Promise<never> {
  const promise = Promise.reject(error)
  promise.catch(noop)
  return promise
}
