/**
 * Node host: runs in a child process started by `matrix.mjs` (with `--expose-gc`) with the column
 * as its argument, and answers `{ id }` messages on the IPC channel with a `CaseResult`. The hooks
 * are the ones the vitest runner gives: `gc` and `activeResources`.
 */
import { catchUncaught, type HostHooks, makeImpl, runCase } from './harness.ts'

const gc = (globalThis as { gc?: () => void }).gc
const hooks: HostHooks = {
  activeResources: () => process.getActiveResourcesInfo(),
  ...(gc ? { gc: () => gc() } : {}),
}
const impl = makeImpl(process.argv[2] ?? '', hooks)
catchUncaught((deliver) => process.on('uncaughtException', deliver))

process.on('message', (message: { id: string }) => {
  void runCase(impl, message.id).then((result) => process.send?.(result))
})
process.send?.({ ready: true })
