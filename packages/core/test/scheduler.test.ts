/**
 * Delivery modes: the default microtask timing (workerd's) and the opt-in fair mode, in which a
 * ping-pong that never stops posting still lets timers run.
 */
import { describe, expect, it } from 'vitest'
import { MessageChannel } from '../src/index.js'

/** Runs `rounds` round trips and records how many were done when a 0 ms timer fired. */
function pingPong(channel: MessageChannel, rounds: number) {
  const { port1, port2 } = channel
  let done = 0
  let doneWhenTimerFired = -1
  return new Promise<{ doneWhenTimerFired: number; done: number }>((resolve) => {
    port2.onmessage = (event) => port2.postMessage(event.data)
    port1.onmessage = () => {
      done++
      if (done === 1) setTimeout(() => (doneWhenTimerFired = done), 0)
      if (done < rounds) {
        port1.postMessage(done)
      } else {
        // The timer may still be pending in microtask mode: give it its turn, then report.
        setTimeout(() => {
          port1.close()
          resolve({ doneWhenTimerFired, done })
        }, 0)
      }
    }
    port1.postMessage(0)
  })
}

describe('delivery', () => {
  it('microtask (default): a 0 ms timer set during a ping-pong fires only after it ends', async () => {
    const result = await pingPong(new MessageChannel(), 10_000)
    expect(result.done).toBe(10_000)
    expect(result.doneWhenTimerFired).toBe(10_000)
  })

  it('fair: a 0 ms timer set during a 100k ping-pong fires before it ends', async () => {
    const result = await pingPong(new MessageChannel({ delivery: 'fair' }), 100_000)
    expect(result.done).toBe(100_000)
    expect(result.doneWhenTimerFired).toBeGreaterThan(0)
    expect(result.doneWhenTimerFired).toBeLessThan(100_000)
  })

  it('fair: each message is still its own microtask within a turn, in order', async () => {
    const { port1, port2 } = new MessageChannel({ delivery: 'fair' })
    const seen: string[] = []
    port2.onmessage = (event) => {
      seen.push(String(event.data))
      queueMicrotask(() => seen.push(`after ${event.data}`))
    }
    port1.postMessage('a')
    port1.postMessage('b')
    queueMicrotask(() => seen.push('sync microtask'))
    await new Promise((resolve) => setTimeout(resolve, 5))
    expect(seen).toEqual(['sync microtask', 'a', 'b', 'after a', 'after b'])
    port1.close()
  })

  it('fair: a message posted during a turn waits for the next turn', async () => {
    for (const delivery of ['fair', 'microtask'] as const) {
      const { port1, port2 } = new MessageChannel({ delivery })
      const seen: unknown[] = []
      port2.onmessage = (event) => {
        seen.push(event.data)
        if (event.data === 0) {
          setImmediate(() => seen.push('next turn'))
          port1.postMessage(1)
        }
      }
      port1.postMessage(0)
      await new Promise((resolve) => setTimeout(resolve, 10))
      expect(seen).toEqual(delivery === 'fair' ? [0, 'next turn', 1] : [0, 1, 'next turn'])
      port1.close()
    }
  })

  it('rejects an unknown delivery mode with a message that names it', () => {
    expect(() => new MessageChannel({ delivery: 'eager' as never })).toThrow(
      /delivery must be 'microtask' or 'fair', got eager/,
    )
  })
})
