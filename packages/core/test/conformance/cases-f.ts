/**
 * Section F of core-semantics.md: `installGlobals` and the Workers compatibility date and flags.
 * Only meaningful for @entangle/core (`coreOnly`).
 *
 * Each case edits `globalThis` and puts every touched property back, descriptor for descriptor,
 * before it returns; nothing awaits in between, so no other code sees the edited globals.
 */
import { deepEqual, equal, fail, ok, throws } from './assert'
import type { Case, Impl } from './types'

const NAMES = ['MessageChannel', 'MessagePort', 'MessageEvent'] as const
type GlobalName = (typeof NAMES)[number]
type Install = NonNullable<Impl['installGlobals']>

/**
 * Runs `fn` with the named globals removed (as on a host without them) and then restores all
 * three globals exactly as they were. A global the host inherits rather than owns is shadowed by
 * an own `undefined`.
 */
function withGlobalsHidden(hidden: readonly GlobalName[], fn: () => void): void {
  const saved = NAMES.map(
    (name) => [name, Object.getOwnPropertyDescriptor(globalThis, name)] as const,
  )
  try {
    for (const name of hidden) {
      Reflect.deleteProperty(globalThis, name)
      if (current(name) !== ABSENT) define(name, undefined)
    }
    fn()
  } finally {
    for (const [name, descriptor] of saved) {
      if (descriptor) Object.defineProperty(globalThis, name, descriptor)
      else Reflect.deleteProperty(globalThis, name)
    }
  }
}

/** The current value of a global, or `ABSENT` when there is none. */
function current(name: GlobalName): unknown {
  return (globalThis as Record<string, unknown>)[name] ?? ABSENT
}
const ABSENT = Symbol('absent')

/** Makes `value` an own, writable, configurable property of `globalThis`. */
function define(name: GlobalName, value: unknown): void {
  Object.defineProperty(globalThis, name, { value, configurable: true, writable: true })
}

function installer(impl: Impl): Install {
  return impl.installGlobals ?? fail('impl.installGlobals is missing')
}

/**
 * A case for a host without MessageChannel/MessagePort: `options` either exposes this package's
 * classes (`exposes`) or leaves the globals absent; the returned function removes them again.
 */
function exposure(
  id: string,
  title: string,
  options: Parameters<Install>[0],
  exposes: boolean,
): Case {
  return {
    id,
    title,
    coreOnly: true,
    run: (impl) =>
      withGlobalsHidden(['MessageChannel', 'MessagePort'], () => {
        const restore = installer(impl)(options)
        equal(typeof restore, 'function', 'what installGlobals returns')
        equal(current('MessageChannel'), exposes ? impl.MessageChannel : ABSENT, 'MessageChannel')
        equal(current('MessagePort'), exposes ? impl.MessagePort : ABSENT, 'MessagePort')
        restore()
        equal(current('MessageChannel'), ABSENT, 'MessageChannel after restore')
        equal(current('MessagePort'), ABSENT, 'MessagePort after restore')
      }),
  }
}

/**
 * The host's own MessageChannel, or where there is none a stand-in that looks native to
 * `Function.prototype.toString` (a bound function).
 */
function hostMessageChannel(): unknown {
  const host = (globalThis as Record<string, unknown>).MessageChannel
  return host ?? function MessageChannel() {}.bind(null)
}

export const casesF: Case[] = [
  exposure(
    'F1',
    '`installGlobals`: compatibility date 2025-08-15 exposes MessageChannel and MessagePort',
    { compatibilityDate: '2025-08-15' },
    true,
  ),
  exposure(
    'F1a',
    '`installGlobals`: compatibility date 2025-08-14 does not expose them',
    { compatibilityDate: '2025-08-14' },
    false,
  ),
  exposure(
    'F1b',
    '`installGlobals`: a later date (2026-01-01) exposes them',
    { compatibilityDate: '2026-01-01' },
    true,
  ),
  exposure(
    'F1c',
    '`installGlobals`: flag `expose_global_message_channel` exposes them before 2025-08-15',
    { compatibilityDate: '2024-01-01', compatibilityFlags: ['expose_global_message_channel'] },
    true,
  ),
  exposure(
    'F1d',
    '`installGlobals`: flag `no_expose_global_message_channel` disables them after 2025-08-15',
    { compatibilityDate: '2025-09-01', compatibilityFlags: ['no_expose_global_message_channel'] },
    false,
  ),
  {
    id: 'F1e',
    title:
      '`installGlobals`: both flags together are an error naming both flags; nothing is installed',
    coreOnly: true,
    run: (impl) =>
      withGlobalsHidden(['MessageChannel', 'MessagePort'], () => {
        throws(
          () =>
            installer(impl)({
              compatibilityDate: '2025-09-01',
              compatibilityFlags: [
                'expose_global_message_channel',
                'no_expose_global_message_channel',
              ],
            }),
          {
            message: /(?=.*\bexpose_global_message_channel)(?=.*no_expose_global_message_channel)/,
          },
          'installGlobals with both flags',
        )
        equal(current('MessageChannel'), ABSENT, 'MessageChannel after the failed call')
        equal(current('MessagePort'), ABSENT, 'MessagePort after the failed call')
      }),
  },
  {
    id: 'F1f',
    title:
      '`installGlobals`: MessageEvent is exposed only where the host lacks one; restore removes it',
    coreOnly: true,
    run: (impl) => {
      withGlobalsHidden(['MessageChannel', 'MessagePort', 'MessageEvent'], () => {
        const restore = installer(impl)({ compatibilityDate: '2025-09-01' })
        equal(current('MessageEvent'), impl.MessageEvent, 'MessageEvent on a host without one')
        restore()
        equal(current('MessageEvent'), ABSENT, 'MessageEvent after restore')
      })
      const HostEvent = class MessageEvent extends Event {}
      withGlobalsHidden(['MessageChannel', 'MessagePort'], () => {
        define('MessageEvent', HostEvent)
        const restore = installer(impl)({ compatibilityDate: '2025-09-01' })
        equal(current('MessageEvent'), HostEvent, "the host's MessageEvent")
        restore()
        equal(current('MessageEvent'), HostEvent, "the host's MessageEvent after restore")
      })
    },
  },
  {
    id: 'F2',
    title: 'a host that already has a native MessageChannel: not replaced by default',
    coreOnly: true,
    run: (impl) =>
      withGlobalsHidden([], () => {
        const host = hostMessageChannel()
        define('MessageChannel', host)
        const before = NAMES.map(current)
        const restore = installer(impl)({
          compatibilityDate: '2025-09-01',
          compatibilityFlags: ['expose_global_message_channel'],
        })
        deepEqual(NAMES.map(current), before, 'the three globals after installGlobals')
        restore()
        deepEqual(NAMES.map(current), before, 'the three globals after restore')
      }),
  },
  {
    id: 'F2a',
    title:
      'a host that already has a native MessageChannel: replaced with `replaceNative: true`; restore puts it back',
    coreOnly: true,
    run: (impl) =>
      withGlobalsHidden([], () => {
        const host = hostMessageChannel()
        define('MessageChannel', host)
        const before = NAMES.map(current)
        const restore = installer(impl)({ compatibilityDate: '2025-09-01', replaceNative: true })
        equal(current('MessageChannel'), impl.MessageChannel, 'MessageChannel')
        equal(current('MessagePort'), impl.MessagePort, 'MessagePort')
        ok(current('MessageChannel') !== host, "the host's MessageChannel was replaced")
        restore()
        deepEqual(NAMES.map(current), before, 'the three globals after restore')
      }),
  },
]
