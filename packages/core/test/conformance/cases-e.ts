/**
 * Section E of core-semantics.md: `close()`, its `close` events, and what happens to messages
 * around it.
 */
import {
  deepEqual,
  equal,
  fail,
  nextMacrotask,
  ok,
  settle,
  show,
  waitFor,
  withChannel,
  withReports,
} from './assert'
import type { Case, PortLike } from './types'

/** Describes one `close` event as plain data, so a whole sequence compares in one `deepEqual`. */
function describeClose(where: string, event: Event, port: PortLike) {
  return {
    where,
    plainEvent: event.constructor === Event,
    type: event.type,
    target: event.target === port,
    bubbles: event.bubbles,
    cancelable: event.cancelable,
  }
}

export const casesE: Case[] = [
  {
    id: 'E1',
    title:
      "close events: synchronously inside `close()`, a plain `Event('close')` on the peer first, then on the closing port",
    run: (impl) =>
      withChannel(impl, async ({ port1, port2 }) => {
        const log: unknown[] = []
        port1.addEventListener('close', (event) => log.push(describeClose('port1', event, port1)))
        port2.addEventListener('close', (event) => log.push(describeClose('port2', event, port2)))
        port1.close()
        log.push('close() returned')
        const event = {
          plainEvent: true,
          type: 'close',
          target: true,
          bubbles: false,
          cancelable: false,
        }
        deepEqual(
          log,
          [{ where: 'port2', ...event }, { where: 'port1', ...event }, 'close() returned'],
          'close events',
        )
        await settle(impl)
        equal(log.length, 3, 'events in total, after settling')
      }),
  },
  {
    id: 'E1a',
    title: "close events: `onclose` and `addEventListener('close')` both work, on both ports",
    run: (impl) =>
      withChannel(impl, async ({ port1, port2 }) => {
        const log: string[] = []
        for (const [name, port] of [
          ['port1', port1],
          ['port2', port2],
        ] as const) {
          const handler = () => log.push(`${name} onclose`)
          port.onclose = handler
          equal(port.onclose, handler, `${name}.onclose getter`)
          port.addEventListener('close', () => log.push(`${name} listener`))
        }
        port2.close()
        log.push('close() returned')
        deepEqual(
          log,
          [
            'port1 onclose',
            'port1 listener',
            'port2 onclose',
            'port2 listener',
            'close() returned',
          ],
          'close handlers',
        )
      }),
  },
  {
    id: 'E2',
    title: 'calling `close()` again does nothing',
    run: (impl) =>
      withChannel(impl, async ({ port1, port2 }) => {
        let events = 0
        port1.addEventListener('close', () => events++)
        port2.addEventListener('close', () => events++)
        port1.close()
        await waitFor(() => events === 2, 'the two close events')
        await settle(impl)
        port1.close()
        port2.close()
        await settle(impl)
        equal(events, 2, 'close events after closing again')
      }),
  },
  {
    id: 'E3',
    title:
      'a `close` listener throws: the error is reported, both close events still fire, `close()` does not throw',
    run: async (impl) => {
      const first = new Error('thrown by the port1 close listener')
      const second = new Error('thrown by the port2 close listener')
      const fired: string[] = []
      const reports = await withReports(impl, (live) =>
        withChannel(impl, async ({ port1, port2 }) => {
          port1.addEventListener('close', () => {
            fired.push('port1')
            throw first
          })
          port2.addEventListener('close', () => {
            fired.push('port2')
            throw second
          })
          try {
            port1.close()
          } catch (error) {
            fail(`close() threw ${show(error)}`)
          }
          await waitFor(
            () => fired.length === 2 && live.length >= 2,
            'both events and both reports',
          )
        }),
      )
      deepEqual([...fired].sort(), ['port1', 'port2'], 'ports that got their close event')
      ok(
        reports.some((r) => r.error === first) && reports.some((r) => r.error === second),
        `both listener errors reported (got ${reports.map((r) => `${r.via}:${show(r.error)}`).join(', ')})`,
      )
    },
  },
  {
    id: 'E4',
    title: 'messages buffered in a port not yet started are dropped when it closes',
    run: (impl) =>
      withChannel(impl, async ({ port1, port2 }) => {
        port1.postMessage('a')
        port1.postMessage('b')
        await settle(impl)
        port2.close()
        const log: unknown[] = []
        port2.onmessage = (event) => log.push(event.data)
        port2.start()
        await settle(impl)
        deepEqual(log, [], 'messages delivered after close()')
      }),
  },
  {
    id: 'E4a',
    title: 'messages buffered in a port not yet started are dropped when its peer closes',
    run: (impl) =>
      withChannel(impl, async ({ port1, port2 }) => {
        port1.postMessage('a')
        port1.postMessage('b')
        await settle(impl)
        port1.close()
        const log: unknown[] = []
        port2.onmessage = (event) => log.push(event.data)
        port2.start()
        await settle(impl)
        deepEqual(log, [], 'messages delivered after the peer closed')
      }),
  },
  {
    id: 'E5',
    title:
      'messages already scheduled on a started port are still delivered: the sender posts twice then closes, both arrive',
    run: (impl) =>
      withChannel(impl, async ({ port1, port2 }) => {
        const log: unknown[] = []
        port2.onmessage = (event) => log.push(event.data)
        port1.postMessage('a')
        port1.postMessage('b')
        port1.close()
        await waitFor(() => log.length === 2, 'both messages')
        await settle(impl)
        deepEqual(log, ['a', 'b'], 'messages delivered')
      }),
  },
  {
    id: 'E5a',
    title:
      'messages already scheduled on a started port are still delivered: the receiver closes inside the first of three, the other two arrive',
    run: (impl) =>
      withChannel(impl, async ({ port1, port2 }) => {
        const log: unknown[] = []
        port2.onmessage = (event) => {
          log.push(event.data)
          if (event.data === 1) port2.close()
        }
        port1.postMessage(1)
        port1.postMessage(2)
        port1.postMessage(3)
        await waitFor(() => log.length === 3, 'all three messages')
        await settle(impl)
        deepEqual(log, [1, 2, 3], 'messages delivered')
      }),
  },
  {
    id: 'E6',
    title: 'garbage collection of the peer: no close event',
    needs: ['gc'],
    run: async (impl) => {
      const log: string[] = []
      const kept = (() => {
        const { port1 } = new impl.MessageChannel()
        port1.onclose = () => log.push('onclose')
        port1.addEventListener('close', () => log.push('listener'))
        port1.onmessage = () => {}
        return port1
      })()
      try {
        for (let i = 0; i < 3; i++) {
          impl.gc?.()
          await nextMacrotask()
        }
        await settle(impl)
        deepEqual(log, [], 'close events after the peer was dropped and collected')
      } finally {
        kept.close()
      }
    },
  },
  {
    id: 'E6a',
    title: 'open ports never keep the process alive',
    needs: ['activeResources'],
    run: (impl) => {
      const resources = impl.activeResources
      ok(resources, 'impl.activeResources')
      const before = [...resources()].sort()
      const { port1, port2 } = new impl.MessageChannel()
      try {
        port1.onmessage = () => {}
        port2.addEventListener('message', () => {})
        port2.start()
        port1.postMessage('pending')
        port2.postMessage('pending')
        deepEqual([...resources()].sort(), before, 'resources keeping the event loop alive')
      } finally {
        port1.close()
        port2.close()
      }
    },
  },
]
