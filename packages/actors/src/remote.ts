/**
 * Remote proxies, the calling side's view of the peer: a `Remote<T>` is a JS Proxy holding a record
 * (one service of the peer, or one handle the peer exported) and a property path. Reading `then`
 * sends a GET, calling sends an APPLY, `new` sends a NEW, assigning sends a SET. Also owns the
 * `proxy()` marker for values that should travel by reference.
 */
import type { Connection } from './connection'
import { APPLY, GET, NEW, SET } from './protocol'
import type { ProxyMarked } from './types'

/** What the importer tracks for one handle id: how many times it arrived, and who holds it. */
export interface ImportEntry {
  readonly conn: Connection
  readonly id: number
  /** REF_HANDLE or REF_EMITTER. */
  readonly kind: number
  /** References received and not yet released; sent back in RELEASE. */
  count: number
  /** The record (handles) or the RemoteEmitter (emitters); weak, so it can be collected. */
  ref: WeakRef<object>
}

/** Shared by every proxy of one service or handle: releasing it releases all of them. */
export interface RemoteRecord {
  readonly conn: Connection
  /** A service name of the peer, or the id of a handle the peer exported. */
  readonly target: string | number
  /** For handles only: the reference count entry. */
  readonly entry: ImportEntry | undefined
  released: boolean
  /** The proxy for the empty path. */
  root: object
}

const marked = new WeakSet<object>()

/**
 * Marks an object or function to cross the port by reference: the receiver gets a `Remote` whose
 * calls come back here. Without it a function cannot be sent (DataCloneError) and an object is
 * copied. Returns `value` itself, typed as marked.
 *
 * @example
 * await remote.subscribe(proxy((price: number) => console.log(price)))
 */
export function proxy<T extends object>(value: T): ProxyMarked<NoInfer<T>> {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) {
    throw new TypeError(`proxy() takes an object or a function, got ${String(value)}`)
  }
  marked.add(value)
  return value as ProxyMarked<T>
}

/** Whether `proxy()` marked `value`. */
export function isMarked(value: object): boolean {
  return marked.has(value)
}

const handlers = new WeakMap<object, RemoteHandler>()

/**
 * How many child proxies one proxy caches. The cache makes `remote.add(...)` in a loop allocate
 * nothing; it is emptied when full, so paths with ever-changing keys (`remote.items[i]`) cannot
 * grow it without bound.
 */
const maxChildren = 64

/** The handler behind a remote proxy, or undefined when `value` is not one. */
export function handlerOf(value: unknown): RemoteHandler | undefined {
  return typeof value === 'function' ? handlers.get(value) : undefined
}

/** The traps of every remote proxy; the handler doubles as the proxy's state. */
export class RemoteHandler implements ProxyHandler<object> {
  private children: Map<string, object> | undefined = undefined

  constructor(
    readonly record: RemoteRecord,
    readonly path: readonly string[],
  ) {}

  get(_target: object, key: string | symbol): unknown {
    if (typeof key === 'symbol') {
      if (key === Symbol.dispose) return () => this.record.conn.releaseRecord(this.record)
      return undefined
    }
    if (key === 'then') {
      // The empty path is not thenable, so a remote can be returned from an async function.
      if (this.path.length === 0) return undefined
      return (
        onFulfilled?: (value: unknown) => unknown,
        onRejected?: (error: unknown) => unknown,
      ) =>
        this.record.conn
          .call(GET, this.record, this.path, [], undefined)
          .then(onFulfilled, onRejected)
    }
    let child = this.children?.get(key)
    if (child === undefined) {
      child = createProxy(this.record, [...this.path, key])
      this.children ??= new Map()
      if (this.children.size === maxChildren) this.children.clear()
      this.children.set(key, child)
    }
    return child
  }

  apply(_target: object, _self: unknown, args: unknown[]): unknown {
    return this.record.conn.call(APPLY, this.record, this.path, args, undefined)
  }

  construct(_target: object, args: unknown[]): object {
    return this.record.conn.call(NEW, this.record, this.path, args, undefined)
  }

  set(_target: object, key: string | symbol, value: unknown): boolean {
    if (typeof key === 'symbol') return false
    const conn = this.record.conn
    conn.call(SET, this.record, [...this.path, key], [value], undefined).catch((error: unknown) => {
      conn.report(error instanceof Error ? error : new Error(String(error)))
    })
    return true
  }
}

function createProxy(record: RemoteRecord, path: readonly string[]): object {
  const handler = new RemoteHandler(record, path)
  // A plain function target is both callable and constructible.
  const proxy = new Proxy(function remote() {}, handler)
  handlers.set(proxy, handler)
  return proxy
}

/** Creates the record and root proxy for a service name or a handle id of the peer. */
export function createRecord(
  conn: Connection,
  target: string | number,
  entry: ImportEntry | undefined,
): RemoteRecord {
  const record: RemoteRecord = { conn, target, entry, released: false, root: {} }
  record.root = createProxy(record, [])
  return record
}
