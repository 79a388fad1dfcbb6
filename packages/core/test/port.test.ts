/**
 * Port behaviour beyond the spec's rows: EventTarget details (once, signal, handleEvent objects,
 * dispatchEvent), and what happens to messages already queued when the last listener goes away.
 */
import { describe, expect, it, vi } from 'vitest'
import { MessageChannel, MessageEvent } from '../src/index.js'

const tick = () => new Promise((resolve) => setTimeout(resolve, 0))

describe('listeners', () => {
  it('honours once, signal and handleEvent objects', async () => {
    const { port1, port2 } = new MessageChannel()
    const once = vi.fn()
    const aborted = vi.fn()
    const controller = new AbortController()
    const object = {
      seen: [] as unknown[],
      handleEvent(event: MessageEvent) {
        this.seen.push(event.data)
      },
    }
    port2.addEventListener('message', once, { once: true })
    port2.addEventListener('message', aborted, { signal: controller.signal })
    port2.addEventListener('message', object)
    port1.postMessage(1)
    await tick()
    controller.abort()
    port1.postMessage(2)
    await tick()
    expect(once).toHaveBeenCalledTimes(1)
    expect(aborted).toHaveBeenCalledTimes(1)
    expect(object.seen).toEqual([1, 2])
    port1.close()
  })

  it('adds the same listener once per capture flag', async () => {
    const { port1, port2 } = new MessageChannel()
    const fn = vi.fn()
    port2.addEventListener('message', fn)
    port2.addEventListener('message', fn)
    port2.addEventListener('message', fn, true)
    port1.postMessage('x')
    await tick()
    expect(fn).toHaveBeenCalledTimes(2)
    port1.close()
  })

  it('stopImmediatePropagation skips the remaining listeners', async () => {
    const { port1, port2 } = new MessageChannel()
    const later = vi.fn()
    port2.addEventListener('message', (event) => event.stopImmediatePropagation())
    port2.addEventListener('message', later)
    port1.postMessage('x')
    await tick()
    expect(later).not.toHaveBeenCalled()
    port1.close()
  })

  it('refuses a listener that is neither a function nor an object', () => {
    const { port1 } = new MessageChannel()
    expect(() => port1.addEventListener('message', 42 as never)).toThrow(TypeError)
    port1.close()
  })
})

describe('dispatchEvent', () => {
  it('dispatches host events and own MessageEvents to the port, with target set', () => {
    const { port1 } = new MessageChannel()
    const targets: unknown[] = []
    port1.addEventListener('custom', (event) => targets.push(event.target, event.currentTarget))
    port1.addEventListener('message', (event) => targets.push(event.target, event.data))
    expect(port1.dispatchEvent(new Event('custom'))).toBe(true)
    port1.dispatchEvent(new MessageEvent('message', { data: 7 }))
    expect(targets).toEqual([port1, port1, port1, 7])
    port1.close()
  })

  it('returns false when a listener cancels a cancelable event', () => {
    const { port1 } = new MessageChannel()
    port1.addEventListener('custom', (event) => event.preventDefault())
    expect(port1.dispatchEvent(new Event('custom', { cancelable: true }))).toBe(false)
    port1.close()
  })

  it('throws a TypeError for anything but an Event', () => {
    const { port1 } = new MessageChannel()
    expect(() => port1.dispatchEvent({ type: 'message' } as never)).toThrow(TypeError)
    port1.close()
  })
})

describe('messages queued when the last listener goes away', () => {
  it('are kept, in order, for the next listener', async () => {
    const { port1, port2 } = new MessageChannel()
    const first = vi.fn()
    port2.addEventListener('message', first)
    port1.postMessage('a') // queued for delivery while a listener exists
    port1.postMessage('b')
    port2.removeEventListener('message', first)
    await tick()
    port1.postMessage('c') // buffered: no listener
    await tick()
    const seen: unknown[] = []
    port2.onmessage = (event) => seen.push(event.data)
    await tick()
    expect(first).not.toHaveBeenCalled()
    expect(seen).toEqual(['a', 'b', 'c'])
    port1.close()
  })

  it('a listener that removes itself mid-drain leaves the rest buffered', async () => {
    const { port1, port2 } = new MessageChannel()
    port1.postMessage(1)
    port1.postMessage(2)
    port1.postMessage(3)
    const seen: unknown[] = []
    const once = (event: MessageEvent) => {
      seen.push(event.data)
      port2.removeEventListener('message', once)
    }
    port2.addEventListener('message', once)
    await tick()
    expect(seen).toEqual([1])
    port2.onmessage = (event) => seen.push(event.data)
    await tick()
    expect(seen).toEqual([1, 2, 3])
    port1.close()
  })
})

describe('MessageEvent', () => {
  it('is an Event with the DOM accessors, usable standalone', () => {
    const event = new MessageEvent('message', {
      data: { a: 1 },
      origin: 'o',
      lastEventId: 'id',
      cancelable: true,
    })
    expect(event).toBeInstanceOf(Event)
    expect([event.type, event.data, event.origin, event.lastEventId, event.source]).toEqual([
      'message',
      { a: 1 },
      'o',
      'id',
      null,
    ])
    expect([event.target, event.currentTarget, event.eventPhase, event.bubbles]).toEqual([
      null,
      null,
      0,
      false,
    ])
    event.preventDefault()
    expect(event.defaultPrevented).toBe(true)
    expect(event.ports).toEqual([])
    expect(Object.prototype.toString.call(event)).toBe('[object MessageEvent]')
    expect(typeof event.timeStamp).toBe('number')
  })

  it('requires a type', () => {
    expect(() => new (MessageEvent as unknown as new () => MessageEvent)()).toThrow(TypeError)
  })
})
