/**
 * Chromium host: a classic script loaded by the matrix's page. It exposes
 * `globalThis.conformance.run(column, id)`, which `page.evaluate` calls once per case. The matrix
 * starts Chromium with `--js-flags=--expose-gc`, so the `gc` hook exists here.
 */
import { type CaseResult, catchUncaught, type HostHooks, makeImpl, runCase } from './harness.ts'

const gc = (globalThis as { gc?: () => void }).gc
const hooks: HostHooks = gc ? { gc: () => gc() } : {}

catchUncaught((deliver) => {
  addEventListener('error', (event) => {
    event.preventDefault()
    deliver(event.error)
  })
  addEventListener('unhandledrejection', (event) => {
    event.preventDefault()
    deliver(event.reason)
  })
})

const api = {
  /** Runs one case in this page; `makeImpl` errors become a failed result. */
  async run(column: string, id: string): Promise<CaseResult> {
    try {
      return await runCase(makeImpl(column, hooks), id)
    } catch (error) {
      return { id, ok: false, error: String(error) }
    }
  },
}

Object.assign(globalThis, { conformance: api })
