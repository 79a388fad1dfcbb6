/**
 * Section A of core-semantics.md: constructing channels and ports, and the shape of `MessagePort`.
 */
import { collect, equal, ok, throws, waitFor, withChannel } from './assert'
import type { Case } from './types'

export const casesA: Case[] = [
  {
    id: 'A1',
    title: '`new MessageChannel()`: two entangled ports, the same object on every access',
    run: (impl) =>
      withChannel(impl, async ({ channel, port1, port2 }) => {
        ok(port1 instanceof impl.MessagePort, 'port1 is a MessagePort')
        ok(port2 instanceof impl.MessagePort, 'port2 is a MessagePort')
        ok(port1 !== port2, 'port1 and port2 are different ports')
        equal(channel.port1, port1, 'port1 on a second access')
        equal(channel.port2, port2, 'port2 on a second access')
        const at1 = collect(port1)
        const at2 = collect(port2)
        port1.postMessage('to port2')
        port2.postMessage('to port1')
        await waitFor(() => at1.data.length > 0 && at2.data.length > 0, 'one message each way')
        equal(at2.data[0], 'to port2', 'what port2 received')
        equal(at1.data[0], 'to port1', 'what port1 received')
      }),
  },
  {
    id: 'A1a',
    title: '`new MessageChannel()`: `port1`/`port2` are read-only',
    run: (impl) =>
      withChannel(impl, ({ channel, port1, port2 }) => {
        const writable = channel as { port1: unknown; port2: unknown }
        // Strict-mode code throws on a getter-only property; either outcome is fine as long as
        // the port stays.
        try {
          writable.port1 = 'replaced'
        } catch {
          // read-only: expected
        }
        try {
          writable.port2 = 'replaced'
        } catch {
          // read-only: expected
        }
        equal(channel.port1, port1, 'port1 after assigning to it')
        equal(channel.port2, port2, 'port2 after assigning to it')
      }),
  },
  {
    id: 'A2',
    title: '`MessageChannel()` without `new`',
    run: (impl) => {
      throws(() => Reflect.apply(impl.MessageChannel, undefined, []), { ctor: TypeError })
    },
  },
  {
    id: 'A3',
    title: '`new MessagePort()`: TypeError "Illegal constructor"',
    run: (impl) => {
      throws(() => Reflect.construct(impl.MessagePort, []), {
        ctor: TypeError,
        message: 'Illegal constructor',
      })
    },
  },
  {
    id: 'A4',
    title:
      '`port instanceof EventTarget`; `MessagePort.prototype` has `postMessage`, `start`, `close`',
    run: (impl) =>
      withChannel(impl, ({ port1 }) => {
        ok(port1 instanceof EventTarget, 'a port is an EventTarget')
        for (const method of ['postMessage', 'start', 'close'] as const) {
          equal(
            typeof impl.MessagePort.prototype[method],
            'function',
            `MessagePort.prototype.${method}`,
          )
        }
      }),
  },
  {
    id: 'A4a',
    title:
      '`MessagePort.prototype` has `onmessage`, `onmessageerror`, `onclose`, all null at first',
    run: (impl) =>
      withChannel(impl, ({ port1 }) => {
        for (const handler of ['onmessage', 'onmessageerror', 'onclose']) {
          ok(handler in impl.MessagePort.prototype, `MessagePort.prototype has ${handler}`)
          ok(!Object.hasOwn(port1, handler), `${handler} is inherited, not an own property`)
          equal(
            (port1 as unknown as Record<string, unknown>)[handler],
            null,
            `a new port's ${handler}`,
          )
        }
      }),
  },
]
