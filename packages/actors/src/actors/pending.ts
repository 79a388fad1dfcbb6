/**
 * The asks a link is waiting on, by request id. Ids are handed out in increasing order and most
 * asks are answered soon, so a power-of-two table indexed by `id & mask` finds almost every one
 * in its own slot; an id whose slot is still taken goes to a Map. Cheaper than a Map per ask.
 */
import type { AskReply } from './ask'

/** Pending asks by id. */
export class PendingAsks {
  size = 0
  private slots: Array<AskReply | undefined> = new Array(64).fill(undefined)
  private overflow: Map<number, AskReply> | undefined

  /** Adds `reply` under its `id`. */
  add(reply: AskReply): void {
    let slots = this.slots
    if (this.size * 2 >= slots.length) slots = this.grow()
    const slot = reply.id & (slots.length - 1)
    if (slots[slot] === undefined) slots[slot] = reply
    else {
      this.overflow ??= new Map()
      this.overflow.set(reply.id, reply)
    }
    this.size++
  }

  /** Removes and returns the ask with that id, if it is pending. */
  take(id: number): AskReply | undefined {
    const slots = this.slots
    const slot = id & (slots.length - 1)
    const reply = slots[slot]
    if (reply !== undefined && reply.id === id) {
      slots[slot] = undefined
      this.size--
      return reply
    }
    const overflowed = this.overflow?.get(id)
    if (overflowed !== undefined) {
      this.overflow?.delete(id)
      this.size--
    }
    return overflowed
  }

  /** Removes and returns every pending ask. */
  takeAll(): AskReply[] {
    const all: AskReply[] = []
    for (const reply of this.slots) if (reply !== undefined) all.push(reply)
    if (this.overflow !== undefined) all.push(...this.overflow.values())
    this.slots = new Array(64).fill(undefined)
    this.overflow = undefined
    this.size = 0
    return all
  }

  /** Doubles the table and places every pending ask again. */
  private grow(): Array<AskReply | undefined> {
    const old = this.slots
    const overflow = this.overflow
    this.slots = new Array(old.length * 2).fill(undefined)
    this.overflow = undefined
    this.size = 0
    for (const reply of old) if (reply !== undefined) this.add(reply)
    if (overflow !== undefined) for (const reply of overflow.values()) this.add(reply)
    return this.slots
  }
}
