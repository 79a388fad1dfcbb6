/**
 * Section C of core-semantics.md: when and in what order messages are delivered, buffering and
 * `start()`, listener order and the event object.
 */
import { collect, deepEqual, equal, settle, waitFor, withChannel } from './assert'
import type { Case, PortLike } from './types'

/** Sets `port.onmessage` to a value its type does not allow (the setter must cope). */
function setOnmessage(port: PortLike, value: unknown): void {
  ;(port as { onmessage: unknown }).onmessage = value
}

/**
 * Registers listener `l1`, then `onmessage` = `A`, then listener `l2`, lets `change` reassign
 * `onmessage`, posts one message and checks the order in which the handlers ran.
 */
function handlerOrder(
  expected: string[],
  change: (port: PortLike, log: string[]) => void,
): Case['run'] {
  return (impl) =>
    withChannel(impl, async ({ port1, port2 }) => {
      const log: string[] = []
      port2.addEventListener('message', () => log.push('l1'))
      port2.onmessage = () => log.push('A')
      port2.addEventListener('message', () => log.push('l2'))
      change(port2, log)
      const seen = collect(port2)
      port1.postMessage('x')
      await waitFor(() => seen.data.length > 0, 'the message')
      deepEqual(log, expected, 'order the handlers ran in')
    })
}

export const casesC: Case[] = [
  {
    id: 'C1',
    title:
      'timing: never synchronous; each message is its own microtask queued at post time (`a`, `queueMicrotask(m)`, `b` gives `a, m, b`)',
    run: (impl) =>
      withChannel(impl, async ({ port1, port2 }) => {
        const log: unknown[] = []
        port2.onmessage = (event) => log.push(event.data)
        port1.postMessage('a')
        queueMicrotask(() => log.push('m'))
        port1.postMessage('b')
        deepEqual(log, [], 'deliveries before postMessage returned')
        await waitFor(() => log.length === 3, 'two messages and a microtask')
        deepEqual(log, ['a', 'm', 'b'], 'order of deliveries and the microtask')
      }),
  },
  {
    id: 'C2',
    title: 'order: FIFO per direction',
    run: (impl) =>
      withChannel(impl, async ({ port1, port2 }) => {
        const at1 = collect(port1)
        const at2 = collect(port2)
        for (let i = 0; i < 5; i++) {
          port1.postMessage(`1->2 #${i}`)
          port2.postMessage(`2->1 #${i}`)
        }
        await waitFor(
          () => at1.data.length === 5 && at2.data.length === 5,
          'five messages each way',
        )
        deepEqual(
          at2.data,
          [0, 1, 2, 3, 4].map((i) => `1->2 #${i}`),
          'port2 received',
        )
        deepEqual(
          at1.data,
          [0, 1, 2, 3, 4].map((i) => `2->1 #${i}`),
          'port1 received',
        )
      }),
  },
  {
    id: 'C3',
    title: 'before the receiving port is started, messages are buffered',
    run: (impl) =>
      withChannel(impl, async ({ port1, port2 }) => {
        port1.postMessage('a')
        port1.postMessage('b')
        await settle(impl)
        const log: unknown[] = []
        port2.onmessage = (event) => log.push(event.data)
        deepEqual(log, [], 'deliveries inside the onmessage setter')
        await waitFor(() => log.length === 2, 'the buffered messages')
        deepEqual(log, ['a', 'b'], 'buffered messages, in order')
      }),
  },
  {
    id: 'C4',
    title:
      '`start()` drains all buffered messages in one microtask, in order, before any microtask their handlers queue',
    run: (impl) =>
      withChannel(impl, async ({ port1, port2 }) => {
        for (const data of ['a', 'b', 'c']) port1.postMessage(data)
        await settle(impl)
        const log: string[] = []
        port2.start()
        port2.addEventListener('message', (event) => {
          const data = (event as MessageEvent).data as string
          log.push(data)
          queueMicrotask(() => log.push(`microtask of ${data}`))
        })
        deepEqual(log, [], 'deliveries inside start()')
        await waitFor(() => log.length === 6, 'three messages and their microtasks')
        deepEqual(
          log,
          ['a', 'b', 'c', 'microtask of a', 'microtask of b', 'microtask of c'],
          'deliveries and handler microtasks',
        )
      }),
  },
  {
    id: 'C4a',
    title: '`start()`: calling it again is harmless',
    run: (impl) =>
      withChannel(impl, async ({ port1, port2 }) => {
        port1.postMessage('before')
        const log: unknown[] = []
        port2.addEventListener('message', (event) => log.push((event as MessageEvent).data))
        port2.start()
        port2.start()
        await waitFor(() => log.length === 1, 'the first message')
        port2.start()
        port1.postMessage('after')
        port2.start()
        await waitFor(() => log.length === 2, 'the second message')
        await settle(impl)
        deepEqual(log, ['before', 'after'], 'messages, each once')
      }),
  },
  {
    id: 'C4b',
    title: '`start()` after `close()` does nothing',
    run: (impl) =>
      withChannel(impl, async ({ port1, port2 }) => {
        port1.postMessage('buffered')
        await settle(impl)
        port2.close()
        const log: unknown[] = []
        port2.addEventListener('message', (event) => log.push((event as MessageEvent).data))
        port2.start()
        await settle(impl)
        deepEqual(log, [], 'messages received after close() then start()')
      }),
  },
  {
    id: 'C5',
    title: 'setting `onmessage` to a function starts the port',
    run: (impl) =>
      withChannel(impl, async ({ port1, port2 }) => {
        port1.postMessage('waiting')
        await settle(impl)
        const log: unknown[] = []
        port2.onmessage = (event) => log.push(event.data)
        await waitFor(() => log.length === 1, 'the buffered message')
        equal(log[0], 'waiting', 'data')
      }),
  },
  {
    id: 'C6',
    title: "`addEventListener('message', fn)` starts the port",
    run: (impl) =>
      withChannel(impl, async ({ port1, port2 }) => {
        port1.postMessage('waiting')
        await settle(impl)
        const log: unknown[] = []
        port2.addEventListener('message', (event) => log.push((event as MessageEvent).data))
        await waitFor(() => log.length === 1, 'the buffered message (no start() call)')
        equal(log[0], 'waiting', 'data')
      }),
  },
  {
    id: 'C7',
    title:
      'removing the last `message` listener while `onmessage` is null returns the port to buffering; a later listener receives what was buffered',
    run: (impl) =>
      withChannel(impl, async ({ port1, port2 }) => {
        const log: string[] = []
        const first = (event: Event) => log.push(`first:${(event as MessageEvent).data}`)
        port2.addEventListener('message', first)
        port2.start()
        port1.postMessage('a')
        await waitFor(() => log.length === 1, 'the first message')
        port2.removeEventListener('message', first)
        port1.postMessage('b')
        await settle(impl)
        deepEqual(log, ['first:a'], 'deliveries while no listener is registered')
        port2.addEventListener('message', (event) =>
          log.push(`later:${(event as MessageEvent).data}`),
        )
        port2.start()
        await waitFor(() => log.length === 2, 'the buffered message')
        deepEqual(log, ['first:a', 'later:b'], 'deliveries')
      }),
  },
  ...(
    [
      ['C8', 'null', null],
      ['C8a', 'a number', 42],
      ['C8b', 'a string', 'log(event)'],
      ['C8c', 'undefined', undefined],
    ] as const
  ).map(
    ([id, what, value]): Case => ({
      id,
      title: `setting \`onmessage\` to ${what} clears it; the getter returns null`,
      run: (impl) =>
        withChannel(impl, async ({ port1, port2 }) => {
          const log: unknown[] = []
          port2.onmessage = (event) => log.push(event.data)
          setOnmessage(port2, value)
          equal(port2.onmessage, null, 'onmessage getter')
          const seen = collect(port2)
          port1.postMessage('x')
          await waitFor(() => seen.data.length === 1, 'the message')
          await settle(impl)
          deepEqual(log, [], 'calls of the cleared handler')
        }),
    }),
  ),
  {
    id: 'C9',
    title: 'listener order: registration order, `onmessage` included',
    run: handlerOrder(['l1', 'A', 'l2'], () => {}),
  },
  {
    id: 'C9a',
    title: 'listener order: `onmessage` keeps its place when reassigned',
    run: handlerOrder(['l1', 'B', 'l2'], (port, log) => {
      port.onmessage = () => log.push('B')
    }),
  },
  {
    id: 'C9b',
    title: 'listener order: `onmessage` takes a new place after being cleared',
    run: handlerOrder(['l1', 'l2', 'B'], (port, log) => {
      port.onmessage = null
      port.onmessage = () => log.push('B')
    }),
  },
  {
    id: 'C10',
    title:
      "event object: `MessageEvent`, type `message`, `data`, `lastEventId` '', `ports` an empty array, target/currentTarget the receiving port, not bubbling, not cancelable",
    run: (impl) =>
      withChannel(impl, async ({ port1, port2 }) => {
        const seen: Record<string, unknown>[] = []
        port2.addEventListener('message', (event) => {
          const e = event as MessageEvent
          seen.push({
            isMessageEvent: e instanceof impl.MessageEvent,
            isEvent: e instanceof Event,
            type: e.type,
            data: e.data,
            lastEventId: e.lastEventId,
            portsIsArray: Array.isArray(e.ports),
            portsLength: e.ports.length,
            target: e.target === port2,
            currentTarget: e.currentTarget === port2,
            bubbles: e.bubbles,
            cancelable: e.cancelable,
          })
        })
        port2.start()
        port1.postMessage({ greeting: 'hello' })
        await waitFor(() => seen.length > 0, 'the message')
        deepEqual(
          seen[0],
          {
            isMessageEvent: true,
            isEvent: true,
            type: 'message',
            data: { greeting: 'hello' },
            lastEventId: '',
            portsIsArray: true,
            portsLength: 0,
            target: true,
            currentTarget: true,
            bubbles: false,
            cancelable: false,
          },
          'event',
        )
      }),
  },
  {
    id: 'C11',
    title: 'a handler that posts back in a loop starves timers (microtask delivery)',
    run: (impl) =>
      withChannel(impl, async ({ port1, port2 }) => {
        const rounds = 1000
        let reached = 0
        let reachedWhenTimerRan = -1
        const timer = setTimeout(() => {
          reachedWhenTimerRan = reached
        }, 0)
        try {
          port2.onmessage = (event) => port2.postMessage(event.data)
          port1.onmessage = (event) => {
            reached = (event.data as number) + 1
            if (reached < rounds) port1.postMessage(reached)
          }
          port1.postMessage(0)
          await waitFor(
            () => reached === rounds && reachedWhenTimerRan >= 0,
            'the ping-pong loop',
            500,
          )
          equal(reachedWhenTimerRan, rounds, 'round trips done when a 0 ms timer got to run')
        } finally {
          clearTimeout(timer)
        }
      }),
  },
]
