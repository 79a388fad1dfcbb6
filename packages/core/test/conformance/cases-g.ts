/**
 * Section G of core-semantics.md: the deliberate deviations from workerd that sections A-F do not
 * already cover. G1 and G2 are checked by D1/D1a/D2 (`messageerror`, remaining listeners), G3 by
 * E3 (throwing `close` listener).
 */
import { collect, deepEqual, equal, waitFor, withChannel } from './assert'
import type { Case } from './types'

export const casesG: Case[] = [
  {
    id: 'G4',
    title: '`this` inside `onmessage` is the port',
    run: (impl) =>
      withChannel(impl, async ({ port1, port2 }) => {
        const receivers: unknown[] = []
        port2.onmessage = function () {
          receivers.push(this)
        }
        port2.addEventListener('message', function (this: unknown) {
          receivers.push(this)
        })
        port1.postMessage('hello')
        await waitFor(() => receivers.length === 2, 'the message')
        equal(receivers[0], port2, '`this` in onmessage')
        equal(receivers[1], port2, '`this` in a listener')
      }),
  },
  {
    id: 'G5',
    title: '`addEventListener(type, fn, true)` is accepted',
    run: (impl) =>
      withChannel(impl, async ({ port1, port2 }) => {
        const log: unknown[] = []
        port2.addEventListener('message', (event) => log.push((event as MessageEvent).data), true)
        port2.start()
        port1.postMessage('hello')
        await waitFor(() => log.length > 0, 'the message')
        deepEqual(log, ['hello'], 'what the capture listener received')
      }),
  },
  {
    id: 'G5a',
    title: '`removeEventListener(type, fn, true)` removes a listener added with `true`',
    run: (impl) =>
      withChannel(impl, async ({ port1, port2 }) => {
        const log: unknown[] = []
        const listener = (event: Event) => log.push((event as MessageEvent).data)
        port2.addEventListener('message', listener, true)
        const seen = collect(port2)
        port1.postMessage('first')
        await waitFor(() => seen.data.length === 1, 'the first message')
        port2.removeEventListener('message', listener, true)
        port1.postMessage('second')
        await waitFor(() => seen.data.length === 2, 'the second message')
        deepEqual(log, ['first'], 'what the removed capture listener received')
      }),
  },
  {
    id: 'G6',
    title: "`event.origin` is '' and `event.source` is null",
    run: (impl) =>
      withChannel(impl, async ({ port1, port2 }) => {
        const seen = collect(port2)
        port1.postMessage('hello')
        await waitFor(() => seen.events.length > 0, 'the message')
        const [event] = seen.events
        equal(event?.origin, '', 'origin')
        equal(event?.source, null, 'source')
      }),
  },
]
