/**
 * Node columns: each column runs in its own child process (`runtime/node.ts` bundled), so a case
 * that breaks the process or its globals cannot reach the matrix or the other column.
 */
import { fork } from 'node:child_process'

const STARTUP_LIMIT_MS = 10_000

/**
 * Starts a child process running `bundle` for `column`.
 * @returns a host: `run(id)` resolves with the case's result, `close()` ends the child.
 */
export async function openNode(bundle, column) {
  const child = fork(bundle, [column], {
    execArgv: ['--expose-gc'],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  })
  let output = ''
  const keep = (chunk) => {
    output = (output + chunk).slice(-2000)
  }
  child.stdout.on('data', keep)
  child.stderr.on('data', keep)

  let waiting
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.on('message', (message) => waiting?.resolve(message))
  void exited.then((code) => {
    waiting?.reject(new Error(`Node child exited (code ${code}): ${output.trim() || 'no output'}`))
  })
  const next = () => new Promise((resolve, reject) => (waiting = { resolve, reject }))

  // The child says `{ ready: true }` once the bundle has loaded; killing it rejects `next()`.
  const slow = setTimeout(() => {
    output = `did not start within ${STARTUP_LIMIT_MS} ms. ${output}`
    child.kill('SIGKILL')
  }, STARTUP_LIMIT_MS)
  await next().finally(() => clearTimeout(slow))
  return {
    run(id) {
      const answer = next()
      child.send({ id })
      return answer
    },
    async close() {
      child.kill('SIGKILL')
      await exited
    },
  }
}
