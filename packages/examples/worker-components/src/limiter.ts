/**
 * Rate limiting with actors: one token-bucket actor per client, created on demand by a parent
 * actor that hands out refs to them. Each client's bucket lives in exactly one actor, so
 * concurrent requests never race on it. A limiter handles each message the moment it arrives over
 * the port (its handlers are synchronous), so its mailbox never backs up and needs no bound.
 */
import type { ActorRef, Behavior } from '@entangle/actors'

/** Token-bucket settings. */
export interface RateLimit {
  /** Requests a client may make in a burst. */
  capacity: number
  /** One token comes back every `refillMs` milliseconds. */
  refillMs: number
}

/** The answer to one `take`. */
export interface Decision {
  allowed: boolean
  /** Tokens left after this request. */
  remaining: number
  /** When refused: milliseconds until the next token. */
  retryAfterMs: number
}

/** What one client's limiter counted so far. */
export interface LimiterStats {
  allowed: number
  limited: number
}

/** The protocol of one client's limiter. */
export interface Limiter {
  /** Takes a token if there is one. */
  take(): Decision
  stats(): LimiterStats
}

/** The protocol of the parent actor. */
export interface Limiters {
  /** The limiter of `client`, spawned on first use. */
  limiterFor(client: string): ActorRef<Limiter>
}

/** A token bucket for one client. Time is `Date.now()`. */
function tokenBucket(limit: RateLimit): Behavior<Limiter> {
  return () => {
    let tokens = limit.capacity
    let refilledAt = Date.now()
    const counts: LimiterStats = { allowed: 0, limited: 0 }
    return {
      take() {
        const now = Date.now()
        const earned = Math.floor((now - refilledAt) / limit.refillMs)
        if (earned > 0) {
          tokens = Math.min(limit.capacity, tokens + earned)
          refilledAt += earned * limit.refillMs
        }
        if (tokens === 0) {
          counts.limited++
          return { allowed: false, remaining: 0, retryAfterMs: refilledAt + limit.refillMs - now }
        }
        tokens--
        counts.allowed++
        return { allowed: true, remaining: tokens, retryAfterMs: 0 }
      },
      stats: () => ({ ...counts }),
    }
  }
}

/** The parent actor: spawns one limiter per client, named after the client. */
export function limiters(limit: RateLimit): Behavior<Limiters> {
  return (ctx) => ({
    limiterFor(client) {
      // Actor names may not contain "/", "#" or spaces; the encoded key has none of them.
      const name = encodeURIComponent(client)
      return ctx.child<Limiter>(name) ?? ctx.spawn<Limiter>(tokenBucket(limit), { name })
    },
  })
}
