/**
 * A bank of actors. Each account is an actor that owns its balance and handles one message at a
 * time, so concurrent transfers cannot lose an update. The branch actor opens accounts (its
 * children, with bounded mailboxes) and watches them: it hears when one is closed.
 */
import {
  type ActorRef,
  type ActorSystem,
  type Behavior,
  createActorSystem,
  type MailboxOptions,
} from '@entangle/actors'

/** The protocol of an account. */
export interface Account {
  /** Adds `amount`; returns the new balance. */
  deposit(amount: number): number
  /** Takes `amount` out if the balance allows; false (nothing changes) if it does not. */
  withdraw(amount: number): boolean
  balance(): number
  /** Pays out the balance and closes the account: later messages are refused. */
  close(): number
}

/** The protocol of the branch. */
export interface Branch {
  /** Opens an account named after its owner, with an opening deposit. */
  open(request: { owner: string; deposit: number; mailbox?: MailboxOptions }): ActorRef<Account>
  /** The accounts that terminated so far, as the branch's death watch saw them. */
  closures(): string[]
}

/** Every account's mailbox unless `open` says otherwise: senders wait when 64 are queued. */
export const defaultMailbox: MailboxOptions = { capacity: 64, overflow: 'suspend' }

function checkAmount(amount: number): void {
  if (!(Number.isSafeInteger(amount) && amount > 0)) {
    throw new RangeError(`an amount must be a positive whole number, got ${amount}`)
  }
}

/** An account: the balance lives in this closure and nowhere else. */
function account(opening: number): Behavior<Account> {
  return (ctx) => {
    let balance = opening
    return {
      deposit(amount) {
        checkAmount(amount)
        balance += amount
        return balance
      },
      withdraw(amount) {
        checkAmount(amount)
        if (amount > balance) return false
        balance -= amount
        return true
      },
      balance: () => balance,
      close() {
        ctx.stop() // after this message
        const payout = balance
        balance = 0
        return payout
      },
    }
  }
}

/** The branch: its children are the accounts. */
function branchOffice(): Behavior<Branch> {
  return (ctx) => {
    const closures: string[] = []
    return {
      open({ owner, deposit, mailbox = defaultMailbox }) {
        if (deposit !== 0) checkAmount(deposit)
        const ref = ctx.spawn<Account>(account(deposit), { name: owner, mailbox })
        // Death watch: told once when the account terminates, in the branch's mailbox order.
        ctx.watch(ref, ({ reason }) => closures.push(`${owner} (${reason})`))
        return ref
      },
      closures: () => [...closures],
    }
  }
}

/** A bank: its actor system and its branch (at `/branch`). */
export interface Bank {
  system: ActorSystem
  branch: ActorRef<Branch>
}

/**
 * Opens a bank. Its state is money, so a message that fails (a bad amount, a name already taken)
 * is refused and its actor resumes, keeping its state. The default, a restart, would reset an
 * account's balance, or restart the branch and with it close every account.
 */
export function openBank(id = 'bank'): Bank {
  const resume = { decide: 'resume' } as const
  // The system supervises the branch; the branch supervises its accounts.
  const system = createActorSystem({ id, supervisor: resume })
  const branch = system.spawn<Branch>(branchOffice(), { name: 'branch', supervisor: resume })
  return { system, branch }
}

/**
 * Moves `amount` from one account to another. Returns false, moving nothing, if `from` lacks the
 * funds. If the deposit fails (say `to` was closed), the money goes back to `from` and the
 * deposit's error is thrown.
 */
export async function transfer(
  from: ActorRef<Account>,
  to: ActorRef<Account>,
  amount: number,
): Promise<boolean> {
  if (!(await from.ask('withdraw', amount))) return false
  try {
    await to.ask('deposit', amount)
  } catch (error) {
    await from.ask('deposit', amount)
    throw error
  }
  return true
}
