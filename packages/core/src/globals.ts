/**
 * `installGlobals`: puts `MessageChannel` and `MessagePort` on `globalThis` the way workerd decides
 * it from a Worker's compatibility date and flags.
 */
import { MessageEvent } from './event.js'
import { MessageChannel, MessagePort } from './port.js'

/** Options of `installGlobals`, named after a Worker's configuration. */
export interface InstallGlobalsOptions {
  /**
   * A Worker's compatibility date, `YYYY-MM-DD`. The globals are exposed from `2025-08-15` on.
   * Omitted: today, so they are exposed.
   */
  compatibilityDate?: string
  /**
   * A Worker's compatibility flags: `expose_global_message_channel` exposes the globals whatever
   * the date, `no_expose_global_message_channel` keeps them out. Other flags are ignored.
   */
  compatibilityFlags?: readonly string[]
  /** Replace a `MessageChannel` the host already has (default `false`: the host's is kept). */
  replaceNative?: boolean
}

const EXPOSE = 'expose_global_message_channel'
const NO_EXPOSE = 'no_expose_global_message_channel'
const EXPOSED_FROM = '2025-08-15'

/**
 * Exposes this package's `MessageChannel` and `MessagePort` (and `MessageEvent`, where the host has
 * none) as globals, if the compatibility date and flags say a Worker would have them, and if the
 * host has no `MessageChannel` of its own (or `replaceNative` is set).
 *
 * @returns a function that puts back whatever the globals were before (a no-op if nothing changed).
 * @throws `TypeError` for a malformed date, flags that are not strings, or both flags at once.
 *
 * @example
 * ```ts
 * const restore = installGlobals({ compatibilityDate: '2025-08-01', compatibilityFlags: ['expose_global_message_channel'] })
 * new MessageChannel() // ours, or the host's if it had one
 * restore()
 * ```
 */
export function installGlobals(options: InstallGlobalsOptions = {}): () => void {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('installGlobals: options must be an object')
  }
  const { compatibilityDate, compatibilityFlags = [], replaceNative = false } = options
  if (compatibilityDate !== undefined && !isDate(compatibilityDate)) {
    throw new TypeError(
      `installGlobals: compatibilityDate must be a date written YYYY-MM-DD, got ${JSON.stringify(compatibilityDate)}`,
    )
  }
  if (!Array.isArray(compatibilityFlags) || compatibilityFlags.some((f) => typeof f !== 'string')) {
    throw new TypeError('installGlobals: compatibilityFlags must be an array of strings')
  }
  const expose = compatibilityFlags.includes(EXPOSE)
  const noExpose = compatibilityFlags.includes(NO_EXPOSE)
  if (expose && noExpose) {
    throw new TypeError(
      `installGlobals: the flags ${EXPOSE} and ${NO_EXPOSE} cannot be used together`,
    )
  }
  const wanted =
    expose || (!noExpose && (compatibilityDate === undefined || compatibilityDate >= EXPOSED_FROM))
  const g = globalThis as Record<string, unknown>
  const hostHasOne = typeof g.MessageChannel === 'function' && g.MessageChannel !== MessageChannel
  if (!wanted || (hostHasOne && !replaceNative)) return () => {}

  const names = ['MessageChannel', 'MessagePort']
  if (typeof g.MessageEvent !== 'function') names.push('MessageEvent')
  const values: Record<string, unknown> = { MessageChannel, MessagePort, MessageEvent }
  const before = names.map(
    (name) => [name, Object.getOwnPropertyDescriptor(globalThis, name)] as const,
  )
  for (const name of names) {
    Object.defineProperty(globalThis, name, {
      value: values[name],
      writable: true,
      configurable: true,
      enumerable: false,
    })
  }
  let restored = false
  return () => {
    if (restored) return
    restored = true
    for (const [name, descriptor] of before) {
      if (descriptor === undefined) delete g[name]
      else Object.defineProperty(globalThis, name, descriptor)
    }
  }
}

function isDate(value: unknown): value is string {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false
  const date = new Date(`${value}T00:00:00Z`)
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value)
}
