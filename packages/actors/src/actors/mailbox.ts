/**
 * The mailbox: a first-in first-out ring of messages, and the queue of senders waiting for room
 * (overflow policy `suspend`). Each entry is four slots: name, payload, reply, and the function
 * that resumes a waiting sender. The ring grows by doubling up to what the capacity needs and
 * never shifts an array; an actor that never receives a message never allocates one.
 */

/** Where an ask's outcome goes. Local asks settle a promise; remote ones post a reply. */
export interface Reply {
  /** True once settled (or cancelled by the asker): its message is skipped, its result dropped. */
  readonly done: boolean
  resolve(value: unknown): void
  reject(error: unknown): void
}

/**
 * A message name is a handler name, or (for the actor's own bookkeeping, such as a watch
 * notice) a function run in mailbox order with the payload.
 */
export type Name = string | ((payload: unknown) => void)

/** A ring of four-slot entries; length is a power of two. */
class Ring {
  slots: unknown[] = new Array(16)
  head = 0
  size = 0

  push(name: Name, payload: unknown, reply: Reply | undefined, wake: unknown): void {
    let slots = this.slots
    if (this.size * 4 === slots.length) slots = this.grow()
    const i = (this.head + this.size * 4) & (slots.length - 1)
    slots[i] = name
    slots[i + 1] = payload
    slots[i + 2] = reply
    slots[i + 3] = wake
    this.size++
  }

  /** Removes the oldest entry into `out`; the ring must not be empty. */
  shift(out: Entry): void {
    const slots = this.slots
    const i = this.head
    out.name = slots[i] as Name
    out.payload = slots[i + 1]
    out.reply = slots[i + 2] as Reply | undefined
    out.wake = slots[i + 3] as (() => void) | undefined
    slots[i] = slots[i + 1] = slots[i + 2] = slots[i + 3] = undefined
    this.head = (i + 4) & (slots.length - 1)
    this.size--
  }

  private grow(): unknown[] {
    const old = this.slots
    const slots = new Array(old.length * 2)
    for (let i = 0, j = this.head; i < old.length; i++, j = (j + 1) & (old.length - 1)) {
      slots[i] = old[j]
    }
    this.slots = slots
    this.head = 0
    return slots
  }
}

/** One entry, as `shift` hands it out (reused, so taking a message allocates nothing). */
export interface Entry {
  name: Name
  payload: unknown
  reply: Reply | undefined
  wake: (() => void) | undefined
}

/** The messages of one actor, and the senders waiting for room. */
export class Mailbox {
  private readonly ring = new Ring()
  private waiters: Ring | undefined

  /** Messages in the mailbox. */
  get size(): number {
    return this.ring.size
  }

  /** Senders waiting for room. */
  get waiting(): number {
    return this.waiters?.size ?? 0
  }

  /** Appends a message (the caller checked the capacity). */
  push(name: Name, payload: unknown, reply: Reply | undefined): void {
    this.ring.push(name, payload, reply, undefined)
  }

  /** Takes the oldest message into `out`; false when empty. */
  shift(out: Entry): boolean {
    if (this.ring.size === 0) return false
    this.ring.shift(out)
    return true
  }

  /** Queues a sender until there is room; `wake` runs when its message enters the mailbox. */
  wait(name: Name, payload: unknown, reply: Reply | undefined, wake: (() => void) | undefined) {
    this.waiters ??= new Ring()
    this.waiters.push(name, payload, reply, wake)
  }

  /** Moves the longest-waiting sender's message into the mailbox; false when none waits. */
  admit(scratch: Entry): boolean {
    const waiters = this.waiters
    if (waiters === undefined || waiters.size === 0) return false
    waiters.shift(scratch)
    this.ring.push(scratch.name, scratch.payload, scratch.reply, undefined)
    const wake = scratch.wake
    scratch.payload = scratch.reply = scratch.wake = undefined
    wake?.()
    return true
  }

  /** Takes the longest-waiting sender's entry out into `out` (at stop); false when none. */
  shiftWaiter(out: Entry): boolean {
    const waiters = this.waiters
    if (waiters === undefined || waiters.size === 0) return false
    waiters.shift(out)
    return true
  }
}

/** A fresh `Entry` for `shift` to fill. */
export function entry(): Entry {
  return { name: '', payload: undefined, reply: undefined, wake: undefined }
}
