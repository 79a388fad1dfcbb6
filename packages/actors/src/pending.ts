/**
 * The table of calls waiting for a reply. Call ids are consecutive, so a call lives in a ring of
 * parallel arrays at slot `id & mask`: no object and no hashing per call, even with tens of
 * thousands in flight. The ring doubles when half full; a call still pending when the ring comes
 * round to its slot moves to a small overflow map, so one long call never forces growth.
 */
import type { RemoteRecord } from './remote'

type Settle = (value: unknown) => void

interface Overflowed {
  promise: Promise<unknown>
  resolve: Settle
  reject: Settle
  record: RemoteRecord
}

const noop = () => {}

/**
 * Pending calls by id (positive integers: 0 marks a free slot), with their promise, its callbacks
 * and the remote they were made on.
 */
export class PendingCalls {
  /** Number of pending calls. */
  size = 0
  private mask = 63
  private ids: number[] = new Array(64).fill(0)
  private promises: Array<Promise<unknown> | undefined> = new Array(64).fill(undefined)
  private resolves: Array<Settle | undefined> = new Array(64).fill(undefined)
  private rejects: Array<Settle | undefined> = new Array(64).fill(undefined)
  private records: Array<RemoteRecord | undefined> = new Array(64).fill(undefined)
  private readonly overflow = new Map<number, Overflowed>()
  /** Timer and abort-listener removal of the calls made with options. */
  private readonly cleanups = new Map<number, () => void>()

  /** Adds call `id` (ids must be added in increasing order). */
  add(
    id: number,
    promise: Promise<unknown>,
    resolve: Settle,
    reject: Settle,
    record: RemoteRecord,
  ): void {
    let slot = id & this.mask
    if (this.ids[slot] !== 0 && this.size * 2 >= this.mask + 1) {
      this.grow()
      slot = id & this.mask
    }
    const occupant = this.ids[slot] as number
    if (occupant !== 0) {
      this.overflow.set(occupant, {
        promise: this.promises[slot] as Promise<unknown>,
        resolve: this.resolves[slot] as Settle,
        reject: this.rejects[slot] as Settle,
        record: this.records[slot] as RemoteRecord,
      })
    }
    this.ids[slot] = id
    this.promises[slot] = promise
    this.resolves[slot] = resolve
    this.rejects[slot] = reject
    this.records[slot] = record
    this.size++
  }

  /** Runs `cleanup` when call `id` settles. */
  onSettle(id: number, cleanup: () => void): void {
    this.cleanups.set(id, cleanup)
  }

  /** Whether call `id` is pending. */
  has(id: number): boolean {
    return id !== 0 && (this.ids[id & this.mask] === id || this.overflow.has(id))
  }

  /** Resolves call `id`; false when it is not pending. */
  resolve(id: number, value: unknown): boolean {
    const slot = id & this.mask
    if (this.ids[slot] === id && id !== 0) {
      const resolve = this.resolves[slot] as Settle
      this.free(slot, id)
      resolve(value)
      return true
    }
    const entry = this.takeOverflow(id)
    entry?.resolve(value)
    return entry !== undefined
  }

  /**
   * Rejects call `id`; false when it is not pending. With `markHandled`, for the connection's own
   * errors (closed, released), the promise is first marked handled: a call nobody awaits then
   * never surfaces as an unhandled rejection.
   */
  reject(id: number, error: unknown, markHandled = false): boolean {
    const slot = id & this.mask
    let promise: Promise<unknown>
    let reject: Settle
    if (this.ids[slot] === id && id !== 0) {
      promise = this.promises[slot] as Promise<unknown>
      reject = this.rejects[slot] as Settle
      this.free(slot, id)
    } else {
      const entry = this.takeOverflow(id)
      if (entry === undefined) return false
      promise = entry.promise
      reject = entry.reject
    }
    if (markHandled) promise.catch(noop)
    reject(error)
    return true
  }

  /** Ids of the calls made on `record`. */
  idsOf(record: RemoteRecord): number[] {
    const found: number[] = []
    // The ring keeps its peak size: skip the scan in the common case of nothing pending.
    if (this.size === 0) return found
    for (let slot = 0; slot <= this.mask; slot++) {
      if (this.ids[slot] !== 0 && this.records[slot] === record)
        found.push(this.ids[slot] as number)
    }
    for (const [id, entry] of this.overflow) if (entry.record === record) found.push(id)
    return found
  }

  /** Ids of every pending call. */
  allIds(): number[] {
    const found: number[] = []
    for (let slot = 0; slot <= this.mask; slot++) {
      if (this.ids[slot] !== 0) found.push(this.ids[slot] as number)
    }
    return [...found, ...this.overflow.keys()]
  }

  private free(slot: number, id: number): void {
    this.ids[slot] = 0
    this.promises[slot] = undefined
    this.resolves[slot] = undefined
    this.rejects[slot] = undefined
    this.records[slot] = undefined
    this.size--
    if (this.cleanups.size !== 0) this.cleanup(id)
  }

  private takeOverflow(id: number): Overflowed | undefined {
    if (this.overflow.size === 0) return undefined
    const entry = this.overflow.get(id)
    if (entry === undefined) return undefined
    this.overflow.delete(id)
    this.size--
    if (this.cleanups.size !== 0) this.cleanup(id)
    return entry
  }

  private cleanup(id: number): void {
    const cleanup = this.cleanups.get(id)
    if (cleanup === undefined) return
    this.cleanups.delete(id)
    cleanup()
  }

  /** Doubles the ring. Two live ids never meet in one slot: they would have met before. */
  private grow(): void {
    const capacity = (this.mask + 1) * 2
    const mask = capacity - 1
    const ids: number[] = new Array(capacity).fill(0)
    const promises: Array<Promise<unknown> | undefined> = new Array(capacity).fill(undefined)
    const resolves: Array<Settle | undefined> = new Array(capacity).fill(undefined)
    const rejects: Array<Settle | undefined> = new Array(capacity).fill(undefined)
    const records: Array<RemoteRecord | undefined> = new Array(capacity).fill(undefined)
    for (let slot = 0; slot <= this.mask; slot++) {
      const id = this.ids[slot] as number
      if (id === 0) continue
      const to = id & mask
      ids[to] = id
      promises[to] = this.promises[slot]
      resolves[to] = this.resolves[slot]
      rejects[to] = this.rejects[slot]
      records[to] = this.records[slot]
    }
    this.mask = mask
    this.ids = ids
    this.promises = promises
    this.resolves = resolves
    this.rejects = rejects
    this.records = records
  }
}
