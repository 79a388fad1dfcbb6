/**
 * The actor's context: the object its behavior receives. A thin face over the cell, so the
 * cell's internals stay out of reach of user code.
 */
import type { Cell } from './cell'
import type { Ref } from './ref'
import type { ActorRef, ActorSystem, SpawnOptions, StopCause, TerminationNotice } from './types'

const noop = () => {}

/** The run-time class behind `ActorContext` (its generic types are applied by the caller). */
export class Context {
  readonly #cell: Cell

  constructor(cell: Cell) {
    this.#cell = cell
  }

  get self(): Ref {
    return this.#cell.self
  }

  get name(): string {
    return this.#cell.name
  }

  get parent(): Ref | undefined {
    const parent = this.#cell.parent
    return parent?.parent === undefined ? undefined : parent.self
  }

  get system(): ActorSystem {
    return this.#cell.system.api
  }

  get restarts(): number {
    return this.#cell.restarts
  }

  get children(): Ref[] {
    const children = this.#cell.children
    if (children === undefined) return []
    const refs: Ref[] = []
    for (const child of children.values()) if (child.alive) refs.push(child.self)
    return refs
  }

  spawn(behavior: unknown, options?: SpawnOptions): Ref {
    return this.#cell.spawnChild(behavior, options).self
  }

  child(name: string): Ref | undefined {
    const child = this.#cell.children?.get(name)
    return child !== undefined && !child.stopped ? child.self : undefined
  }

  stop(ref?: ActorRef): void {
    const cell = this.#cell
    if (ref === undefined || ref === cell.self) {
      void cell.stop(false)
      return
    }
    const child = cell.children?.get(ref.path.slice(cell.path.length + 1))
    if (child === undefined || child.self !== ref) {
      throw new TypeError(`ctx.stop() takes this actor or one of its children, got ${String(ref)}`)
    }
    void child.stop(false)
  }

  watch(ref: ActorRef, onTerminated: (notice: TerminationNotice) => void): () => void {
    if (typeof onTerminated !== 'function') throw new TypeError('watch() takes a listener function')
    const cell = this.#cell
    if (!cell.alive) return noop
    let active = true
    const unwatch = cell.system.watch(ref, (notice) => {
      if (!active) return
      active = false
      cell.watching?.delete(cancel)
      cell.deliverInternal(onTerminated as (payload: unknown) => unknown, notice)
    })
    const cancel = () => {
      active = false
      unwatch()
      cell.watching?.delete(cancel)
    }
    cell.watching ??= new Set()
    cell.watching.add(cancel)
    return cancel
  }

  after(ms: number, name: string, payload?: unknown): () => void {
    return this.#cell.schedule(ms, name, payload, false)
  }

  every(ms: number, name: string, payload?: unknown): () => void {
    return this.#cell.schedule(ms, name, payload, true)
  }

  onStop(hook: (cause: StopCause) => void | Promise<void>): void {
    this.#cell.addHook(hook)
  }
}
