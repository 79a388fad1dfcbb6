/**
 * Cases adapted from the web-platform-tests `webmessaging` directory (mostly
 * `webmessaging/message-channels`), kept to what applies to a same-realm channel without
 * transfer. Written from the assertions those tests make, not from their code.
 *
 * Left out on purpose: `no-start` / `MessagePort_initial_disabled` (they require that
 * `addEventListener` does not start the port, which the Workers semantics reverse, see C6),
 * `historical` (it requires that ports have no `close` event, which the Workers documentation
 * adds), and every test that transfers ports or buffers (`dictionary-transferrable`, the transfer
 * parts of `close`, `Channel_postMessage_ports_readonly_array`).
 */
import { collect, deepEqual, equal, ok, settle, throws, waitFor, withChannel } from './assert'
import type { Case } from './types'

export const casesWpt: Case[] = [
  {
    id: 'wpt-basics',
    title: 'a message posted before `onmessage` is set arrives once the port is started',
    run: (impl) =>
      withChannel(impl, async ({ port1, port2 }) => {
        port1.postMessage(1)
        const log: unknown[] = []
        port2.onmessage = (event) => log.push(event.data)
        port2.start()
        await waitFor(() => log.length > 0, 'the message')
        equal(log[0], 1, 'data')
      }),
  },
  {
    id: 'wpt-implied-start',
    title: 'setting `onmessage` implies `start()`; a handler set inside it gets no extra call',
    run: (impl) =>
      withChannel(impl, async ({ port1, port2 }) => {
        const log: string[] = []
        port1.postMessage(1)
        port2.onmessage = () => {
          log.push('first handler')
          port2.onmessage = () => log.push('second handler')
        }
        await waitFor(() => log.length > 0, 'the message')
        await settle(impl)
        deepEqual(log, ['first handler'], 'handler calls for one message')
      }),
  },
  {
    id: 'wpt-onmessage-start',
    title: 'setting `onmessage` enables the port message queue, as `start()` would',
    run: (impl) =>
      withChannel(impl, async ({ port1, port2 }) => {
        let received = false
        port2.onmessage = () => {
          received = true
        }
        port1.postMessage('ping')
        await waitFor(() => received, 'the message')
      }),
  },
  {
    id: 'wpt-queue-initially-disabled',
    title: 'the port message queue is initially disabled: a message waits for the port to start',
    run: (impl) =>
      withChannel(impl, async ({ port1, port2 }) => {
        port1.postMessage('ping')
        await settle(impl)
        const seen = collect(port2)
        await waitFor(() => seen.data.length > 0, 'the message once started')
        deepEqual(seen.data, ['ping'], 'messages received')
      }),
  },
  {
    id: 'wpt-close-to-closed-port',
    title: 'a message sent to a closed port does not arrive',
    run: (impl) =>
      withChannel(impl, async ({ port1, port2 }) => {
        let received = false
        port1.onmessage = () => {
          received = true
        }
        port1.close()
        port2.postMessage('TEST')
        await settle(impl)
        ok(!received, 'no message arrives')
      }),
  },
  {
    id: 'wpt-close-from-closed-port',
    title: 'a message sent from a closed port does not arrive',
    run: (impl) =>
      withChannel(impl, async ({ port1, port2 }) => {
        let received = false
        port1.onmessage = () => {
          received = true
        }
        port2.close()
        port2.postMessage('TEST')
        await settle(impl)
        ok(!received, 'no message arrives')
      }),
  },
  {
    id: 'wpt-close-inflight',
    title: 'an in-flight message is delivered even when the sending port is closed afterwards',
    run: (impl) =>
      withChannel(impl, async ({ port1, port2 }) => {
        let closed = false
        const log: { data: unknown; closed: boolean }[] = []
        port1.onmessage = (event) => log.push({ data: event.data, closed })
        port2.postMessage('TEST')
        port2.close()
        closed = true
        await waitFor(() => log.length > 0, 'the in-flight message')
        deepEqual(log, [{ data: 'TEST', closed: true }], 'delivery')
      }),
  },
  {
    id: 'wpt-close-in-onmessage',
    title: '`close()` inside `onmessage` does not cancel in-flight messages',
    run: (impl) =>
      withChannel(impl, async ({ port1, port2 }) => {
        const log: unknown[] = []
        port1.onmessage = (event) => {
          log.push(event.data)
          port1.close()
        }
        port2.postMessage('TEST')
        port2.postMessage('DONE')
        await waitFor(() => log.length === 2, 'both messages')
        deepEqual(log, ['TEST', 'DONE'], 'messages delivered')
      }),
  },
  {
    id: 'wpt-close-event-onclose',
    title: 'a `close` event dispatched on a port reaches its `onclose` handler',
    run: (impl) =>
      withChannel(impl, ({ port1 }) => {
        let calls = 0
        port1.start()
        port1.onclose = () => {
          calls++
        }
        port1.dispatchEvent(new Event('close'))
        equal(calls, 1, 'onclose calls')
      }),
  },
  {
    id: 'wpt-event-properties',
    title: 'the event is a MessageEvent named `message` that does not bubble and is not cancelable',
    run: (impl) =>
      withChannel(impl, async ({ port1, port2 }) => {
        const seen: unknown[] = []
        port2.start()
        port2.addEventListener(
          'message',
          (event) =>
            seen.push([
              event instanceof impl.MessageEvent,
              event.type,
              event.bubbles,
              event.cancelable,
            ]),
          true,
        )
        port1.postMessage('ping')
        await waitFor(() => seen.length > 0, 'the message')
        deepEqual(
          seen[0],
          [true, 'message', false, false],
          '[is MessageEvent, type, bubbles, cancelable]',
        )
      }),
  },
  {
    id: 'wpt-target-source',
    title: 'the event targets the port entangled with the sender, not the sender',
    run: (impl) =>
      withChannel(impl, async ({ port1, port2 }) => {
        const seen = collect(port2)
        port1.postMessage('ping')
        await waitFor(() => seen.events.length > 0, 'the message')
        const target = seen.events[0]?.target
        equal(target, port2, 'target')
        ok(target !== port1, 'the target is not the sending port')
      }),
  },
  {
    id: 'wpt-DataCloneError',
    title: 'posting a value that cannot be cloned (a Function) throws a DataCloneError',
    run: (impl) =>
      withChannel(impl, ({ port1 }) => {
        port1.start()
        // A function expression rather than `new Function()`: workerd forbids code from strings.
        throws(() => port1.postMessage(function notCloneable() {}), {
          name: 'DataCloneError',
          code: 25,
        })
      }),
  },
]
