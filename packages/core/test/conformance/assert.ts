/**
 * Assertions and small helpers for the conformance cases. Dependency-free and host-agnostic: the
 * same module runs under vitest (Node), inside workerd and inside headless Chromium, so it uses
 * only what every host has (`setTimeout`, `queueMicrotask`, `EventTarget`).
 *
 * Every wait here is bounded: a case fails with a message naming what it waited for, it never
 * hangs.
 */
import type { Impl, PortLike } from './types.ts'

/** The error every failed assertion throws. */
export class AssertionError extends Error {
  override name = 'AssertionError'
}

/** Throws an `AssertionError` with `message`. */
export function fail(message: string): never {
  throw new AssertionError(message)
}

/** Asserts that `value` is truthy. */
export function ok(value: unknown, message: string): asserts value {
  if (!value) fail(message)
}

/** Asserts `Object.is(actual, expected)`. */
export function equal(actual: unknown, expected: unknown, what = 'value'): void {
  if (!Object.is(actual, expected)) {
    fail(`${what}: expected ${show(expected)}, got ${show(actual)}`)
  }
}

/**
 * Asserts that two values hold the same data: primitives by `Object.is`, arrays and plain
 * objects by their own enumerable keys (prototypes must match), plus `Date`, `RegExp`, `Map`,
 * `Set`, `ArrayBuffer`, typed arrays and `Error` (name, message, cause). Cycles are compared by
 * shape: a cycle in one value must be the same cycle in the other.
 */
export function deepEqual(actual: unknown, expected: unknown, what = 'value'): void {
  const problem = difference(actual, expected, what, new Map())
  if (problem !== undefined) fail(problem)
}

/** What a thrown error must look like. Each given field is compared exactly. */
export interface ErrorExpectation {
  /** The error's constructor (`error.constructor === ctor`), e.g. `Error`, `TypeError`. */
  ctor?: abstract new (
    ...args: never[]
  ) => unknown
  name?: string
  code?: number | string
  /** The exact message, or a pattern it must match. */
  message?: string | RegExp
}

/** Asserts that `fn` throws synchronously an error matching `expected`; returns what it threw. */
export function throws(fn: () => unknown, expected: ErrorExpectation, what = 'call'): unknown {
  try {
    fn()
  } catch (error) {
    checkError(error, expected, what)
    return error
  }
  return fail(`${what}: expected it to throw ${showExpectation(expected)}, it returned`)
}

/** Asserts that `promise` rejects with an error matching `expected`; returns the reason. */
export async function rejects(
  promise: Promise<unknown>,
  expected: ErrorExpectation,
  what = 'promise',
): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    checkError(error, expected, what)
    return error
  }
  return fail(`${what}: expected it to reject with ${showExpectation(expected)}, it resolved`)
}

/** Resolves on the next macrotask (`setTimeout(0)`). */
export function nextMacrotask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0))
}

/**
 * Resolves once `predicate()` is true, checking after every macrotask; rejects with an
 * `AssertionError` naming `what` if it is still false after `ms` milliseconds.
 */
export async function waitFor(predicate: () => boolean, what: string, ms = 250): Promise<void> {
  const deadline = Date.now() + ms
  while (!predicate()) {
    if (Date.now() > deadline) fail(`timed out after ${ms} ms waiting for ${what}`)
    await nextMacrotask()
  }
}

/** One error that reached the host's error reporting during `withReports`. */
export interface Report {
  /** `reportError`: through `globalThis.reportError`; `uncaught`: the host's uncaught path. */
  via: 'reportError' | 'uncaught'
  error: unknown
}

/**
 * Runs `fn` with `globalThis.reportError` replaced by a recorder (or, with `reportError: false`,
 * made `undefined`) and, when the runner offers `impl.onUncaught`, with uncaught errors recorded
 * too. `fn` receives the live list; the settled list is returned. Everything is restored even
 * when `fn` throws; one macrotask is awaited first so late reports are still caught.
 */
export async function withReports(
  impl: Impl,
  fn: (reports: Report[]) => Promise<void> | void,
  options: { reportError?: boolean } = {},
): Promise<Report[]> {
  const reports: Report[] = []
  const saved = Object.getOwnPropertyDescriptor(globalThis, 'reportError')
  const stub = (error: unknown) => {
    reports.push({ via: 'reportError', error })
  }
  Object.defineProperty(globalThis, 'reportError', {
    value: options.reportError === false ? undefined : stub,
    configurable: true,
    writable: true,
  })
  const unsubscribe = impl.onUncaught?.((error) => reports.push({ via: 'uncaught', error }))
  try {
    await fn(reports)
  } finally {
    await nextMacrotask()
    unsubscribe?.()
    if (saved) Object.defineProperty(globalThis, 'reportError', saved)
    else Reflect.deleteProperty(globalThis, 'reportError')
  }
  return reports
}

/** Asserts that exactly `errors` (by identity, in order) were reported, each through `via`. */
export function reported(
  reports: readonly Report[],
  errors: readonly unknown[],
  via: Report['via'],
) {
  const got = reports.map((r) => `${r.via}:${show(r.error)}`).join(', ') || 'nothing'
  ok(
    reports.length === errors.length &&
      reports.every((r, i) => r.via === via && Object.is(r.error, errors[i])),
    `expected ${errors.map((e) => `${via}:${show(e)}`).join(', ') || 'nothing'} to be reported, got ${got}`,
  )
}

/** A fresh channel of the implementation under test, closed by `withChannel` at the end. */
export interface TestChannel {
  port1: PortLike
  port2: PortLike
  /** The `MessageChannel` object itself. */
  channel: { readonly port1: PortLike; readonly port2: PortLike }
}

/** Runs `fn` with a new channel and closes both of its ports afterwards, whatever happens. */
export async function withChannel(
  impl: Impl,
  fn: (channel: TestChannel) => Promise<void> | void,
): Promise<void> {
  const channel = new impl.MessageChannel()
  const { port1, port2 } = channel
  try {
    await fn({ port1, port2, channel })
  } finally {
    port1.close()
    port2.close()
  }
}

/** What `collect` records on a port. */
export interface Collector {
  /** `event.data` of every `message` event, in arrival order. */
  data: unknown[]
  /** The events themselves. */
  events: MessageEvent[]
}

/**
 * Records every `message` event on `port` through `addEventListener` and starts the port
 * explicitly (some hosts do not start on `addEventListener`).
 */
export function collect(port: PortLike): Collector {
  const collector: Collector = { data: [], events: [] }
  port.addEventListener('message', (event) => {
    const message = event as MessageEvent
    collector.events.push(message)
    collector.data.push(message.data)
  })
  port.start()
  return collector
}

/**
 * The "bad input" check: after a call that threw, posts a good message from `sender` and asserts
 * that it is the only thing `collector` ever received, so the bad call enqueued nothing and the
 * port still works.
 */
export async function assertOnlyGoodArrives(sender: PortLike, collector: Collector): Promise<void> {
  const good = 'good message after bad input'
  sender.postMessage(good)
  await waitFor(() => collector.data.includes(good), 'a good message after the bad call')
  deepEqual(collector.data, [good], 'messages received after the bad call')
}

/**
 * Waits until one message has made the round through a fresh channel of `impl`, then one more
 * macrotask: whatever `impl` had already queued for delivery has been delivered by then. Used
 * before asserting that something did NOT happen.
 */
export async function settle(impl: Impl): Promise<void> {
  await withChannel(impl, async ({ port1, port2 }) => {
    const seen = collect(port2)
    port1.postMessage('settle')
    await waitFor(() => seen.data.length > 0, 'a message on a fresh channel (settle)')
  })
  await nextMacrotask()
}

/** A short, safe description of any value for assertion messages. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'function') return `[function ${value.name || 'anonymous'}]`
  if (typeof value === 'symbol' || typeof value === 'bigint') return String(value)
  if (value === null || typeof value !== 'object') return String(value)
  if (value instanceof Error) return `${value.constructor.name}(${JSON.stringify(value.message)})`
  if (Array.isArray(value)) {
    return value.length > 10 ? `[array(${value.length})]` : `[${value.map(show).join(', ')}]`
  }
  const ctor = (value as { constructor?: { name?: string } }).constructor?.name ?? 'null-prototype'
  if (ctor !== 'Object') return `[object ${ctor}]`
  const keys = Object.keys(value)
  return `{${keys.slice(0, 6).join(', ')}${keys.length > 6 ? ', ...' : ''}}`
}

function checkError(error: unknown, expected: ErrorExpectation, what: string): void {
  const e = error as { constructor?: unknown; name?: unknown; code?: unknown; message?: unknown }
  const problems: string[] = []
  if (
    expected.ctor &&
    (typeof error !== 'object' || error === null || e.constructor !== expected.ctor)
  )
    problems.push(`constructor ${expected.ctor.name}`)
  if (expected.name !== undefined && e.name !== expected.name)
    problems.push(`name ${show(expected.name)}`)
  if (expected.code !== undefined && e.code !== expected.code)
    problems.push(`code ${show(expected.code)}`)
  if (expected.message !== undefined) {
    const good =
      typeof expected.message === 'string'
        ? e.message === expected.message
        : typeof e.message === 'string' && expected.message.test(e.message)
    if (!good) problems.push(`message ${String(show(expected.message))}`)
  }
  if (problems.length > 0) {
    const got =
      typeof error === 'object' && error !== null
        ? `${(e.constructor as { name?: string } | undefined)?.name} name=${show(e.name)} code=${show(e.code)} message=${show(e.message)}`
        : show(error)
    fail(`${what}: expected ${problems.join(', ')}; it threw ${got}`)
  }
}

function showExpectation(expected: ErrorExpectation): string {
  const parts = [
    expected.ctor?.name,
    expected.name,
    expected.code === undefined ? undefined : `code ${expected.code}`,
    expected.message === undefined ? undefined : show(expected.message),
  ]
  return parts.filter((p) => p !== undefined).join(' ') || 'an error'
}

function difference(
  a: unknown,
  b: unknown,
  path: string,
  seen: Map<object, object>,
): string | undefined {
  if (Object.is(a, b)) return undefined
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    return `${path}: expected ${show(b)}, got ${show(a)}`
  }
  const paired = seen.get(a)
  if (paired !== undefined) {
    return paired === b ? undefined : `${path}: cycles or shared references differ`
  }
  seen.set(a, b)
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) {
    return `${path}: expected ${show(b)}, got ${show(a)} (different prototypes)`
  }
  if (a instanceof Date) return sameOr(a.getTime(), (b as Date).getTime(), path)
  if (a instanceof RegExp) return sameOr(String(a), String(b), path)
  if (a instanceof ArrayBuffer) {
    return difference([...new Uint8Array(a)], [...new Uint8Array(b as ArrayBuffer)], path, seen)
  }
  if (ArrayBuffer.isView(a)) {
    const bytes = (v: ArrayBufferView) => [...new Uint8Array(v.buffer, v.byteOffset, v.byteLength)]
    return difference(bytes(a), bytes(b as ArrayBufferView), path, seen)
  }
  if (a instanceof Map) {
    return difference([...a], [...(b as Map<unknown, unknown>)], `${path}<map entries>`, seen)
  }
  if (a instanceof Set) return difference([...a], [...(b as Set<unknown>)], `${path}<set>`, seen)
  if (a instanceof Error) {
    const other = b as Error
    return (
      sameOr(a.name, other.name, `${path}.name`) ??
      sameOr(a.message, other.message, `${path}.message`) ??
      difference(a.cause, other.cause, `${path}.cause`, seen)
    )
  }
  const keysA = Object.keys(a)
  const keysB = Object.keys(b)
  if (keysA.join('\0') !== keysB.join('\0')) {
    return `${path}: expected keys [${keysB.join(', ')}], got [${keysA.join(', ')}]`
  }
  for (const key of keysA) {
    const problem = difference(
      (a as Record<string, unknown>)[key],
      (b as Record<string, unknown>)[key],
      `${path}.${key}`,
      seen,
    )
    if (problem !== undefined) return problem
  }
  return undefined
}

function sameOr(a: unknown, b: unknown, path: string): string | undefined {
  return Object.is(a, b) ? undefined : `${path}: expected ${show(b)}, got ${show(a)}`
}
