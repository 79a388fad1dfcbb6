/**
 * Section D of core-semantics.md: a throwing `message` handler leads to a `messageerror` event on
 * the same port; errors nobody handles are reported, never swallowed; `postMessage` errors never
 * become `messageerror` events.
 *
 * Every case here runs inside `withReports`, so an error the implementation reports (or lets
 * escape to the host) is recorded instead of failing the run.
 */
import {
  assertOnlyGoodArrives,
  collect,
  equal,
  ok,
  reported,
  settle,
  throws,
  waitFor,
  withChannel,
  withReports,
} from './assert'
import type { Case, PortLike } from './types'

/** Records every `messageerror` event on `port`, through both `onmessageerror` and a listener. */
function watchMessageErrors(port: PortLike): string[] {
  const log: string[] = []
  port.onmessageerror = () => log.push('onmessageerror')
  port.addEventListener('messageerror', () => log.push('listener'))
  return log
}

export const casesD: Case[] = [
  {
    id: 'D1',
    title:
      'a `message` listener throws: a `messageerror` MessageEvent on the same port, `data` = the thrown value; the remaining listeners still get the message',
    run: async (impl) => {
      const reports = await withReports(impl, () =>
        withChannel(impl, async ({ port1, port2 }) => {
          const thrown = new Error('thrown by a message listener')
          const log: string[] = []
          const errorEvents: MessageEvent[] = []
          port2.addEventListener('message', () => {
            log.push('first')
            throw thrown
          })
          port2.addEventListener('message', (event) => {
            log.push(`second got ${(event as MessageEvent).data}`)
          })
          port2.addEventListener('messageerror', (event) => {
            errorEvents.push(event as MessageEvent)
            log.push('messageerror')
          })
          const peerErrors = watchMessageErrors(port1)
          port2.start()
          port1.postMessage('hello')
          await waitFor(
            () => errorEvents.length > 0 && log.includes('second got hello'),
            'the messageerror event and the second listener',
          )
          const [errorEvent] = errorEvents
          ok(errorEvent instanceof impl.MessageEvent, 'the messageerror event is a MessageEvent')
          equal(errorEvent.type, 'messageerror', 'type')
          equal(errorEvent.data, thrown, 'data')
          equal(errorEvent.target, port2, 'target')
          await settle(impl)
          equal(peerErrors.length, 0, 'messageerror events on the sending port')
          equal(errorEvents.length, 1, 'messageerror events')
        }),
      )
      reported(reports, [], 'reportError')
    },
  },
  {
    id: 'D1a',
    title:
      '`onmessage` throws: `onmessageerror` gets the thrown value; later listeners get the message',
    run: async (impl) => {
      const reports = await withReports(impl, () =>
        withChannel(impl, async ({ port1, port2 }) => {
          const thrown = new TypeError('thrown by onmessage')
          let errorData: unknown
          let errorEvents = 0
          port2.onmessage = () => {
            throw thrown
          }
          port2.onmessageerror = (event) => {
            errorEvents++
            errorData = event.data
          }
          const later = collect(port2)
          port1.postMessage('hello')
          await waitFor(
            () => errorEvents > 0 && later.data.length > 0,
            'onmessageerror and the later listener',
          )
          equal(errorData, thrown, 'data of the messageerror event')
          equal(later.data[0], 'hello', 'what the later listener got')
          await settle(impl)
          equal(errorEvents, 1, 'messageerror events')
        }),
      )
      reported(reports, [], 'reportError')
    },
  },
  {
    id: 'D1b',
    title: 'a listener throws a non-Error value: `messageerror` carries that very value',
    run: async (impl) => {
      const reports = await withReports(impl, () =>
        withChannel(impl, async ({ port1, port2 }) => {
          const thrown = { code: 'E_NOT_AN_ERROR' }
          const data: unknown[] = []
          port2.addEventListener('message', () => {
            throw thrown
          })
          port2.addEventListener('messageerror', (event) => data.push((event as MessageEvent).data))
          port2.start()
          port1.postMessage('hello')
          await waitFor(() => data.length > 0, 'the messageerror event')
          equal(data[0], thrown, 'data of the messageerror event')
        }),
      )
      reported(reports, [], 'reportError')
    },
  },
  {
    id: 'D2',
    title:
      'no `messageerror` listener: the error is reported through `globalThis.reportError`; other listeners still run',
    run: async (impl) => {
      const thrown = new Error('nobody handles this')
      const reports = await withReports(impl, (live) =>
        withChannel(impl, async ({ port1, port2 }) => {
          port2.onmessage = () => {
            throw thrown
          }
          const later = collect(port2)
          port1.postMessage('hello')
          await waitFor(() => later.data.length > 0 && live.length > 0, 'the report')
          equal(later.data[0], 'hello', 'what the later listener got')
        }),
      )
      reported(reports, [thrown], 'reportError')
    },
  },
  {
    id: 'D2a',
    title:
      'a `messageerror` listener throws: its error is reported through `globalThis.reportError`',
    run: async (impl) => {
      const fromMessageError = new Error('thrown by the messageerror listener')
      const reports = await withReports(impl, (live) =>
        withChannel(impl, async ({ port1, port2 }) => {
          port2.onmessage = () => {
            throw new Error('thrown by onmessage')
          }
          port2.onmessageerror = () => {
            throw fromMessageError
          }
          port1.postMessage('hello')
          await waitFor(
            () => live.some((report) => report.error === fromMessageError),
            'the report of the messageerror listener error',
          )
        }),
      )
      const report = reports.find((r) => r.error === fromMessageError)
      equal(report?.via, 'reportError', 'how the messageerror listener error was reported')
    },
  },
  {
    id: 'D2b',
    title: "no `messageerror` listener and no `reportError` on the host: the host's uncaught path",
    needs: ['onUncaught'],
    run: async (impl) => {
      const thrown = new Error('reported as uncaught')
      const reports = await withReports(
        impl,
        (live) =>
          withChannel(impl, async ({ port1, port2 }) => {
            port2.onmessage = () => {
              throw thrown
            }
            port1.postMessage('hello')
            await waitFor(() => live.length > 0, 'the uncaught error')
          }),
        { reportError: false },
      )
      reported(reports, [thrown], 'uncaught')
    },
  },
  {
    id: 'D3',
    title: 'serialization errors are thrown by `postMessage`; no `messageerror` event',
    run: async (impl) => {
      const reports = await withReports(impl, () =>
        withChannel(impl, async ({ port1, port2 }) => {
          const at1 = watchMessageErrors(port1)
          const at2 = watchMessageErrors(port2)
          const seen = collect(port2)
          throws(() => port1.postMessage({ fn() {} }), { name: 'DataCloneError' }, 'postMessage')
          await assertOnlyGoodArrives(port1, seen)
          equal(at1.length + at2.length, 0, 'messageerror events')
        }),
      )
      reported(reports, [], 'reportError')
    },
  },
  {
    id: 'D3a',
    title: 'transfer errors are thrown by `postMessage`; no `messageerror` event',
    run: async (impl) => {
      const reports = await withReports(impl, () =>
        withChannel(impl, async ({ port1, port2 }) => {
          const at1 = watchMessageErrors(port1)
          const at2 = watchMessageErrors(port2)
          const seen = collect(port2)
          const buffer = new ArrayBuffer(4)
          throws(
            () => port1.postMessage(buffer, [buffer]),
            { ctor: Error, message: 'Transfer list is not supported' },
            'postMessage',
          )
          await assertOnlyGoodArrives(port1, seen)
          equal(at1.length + at2.length, 0, 'messageerror events')
        }),
      )
      reported(reports, [], 'reportError')
    },
  },
]
