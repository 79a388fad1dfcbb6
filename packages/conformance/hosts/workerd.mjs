/**
 * workerd columns: the real `workerd` binary from the npm package serves `runtime/workerd.ts`
 * (bundled) on 127.0.0.1 with an ephemeral port, which workerd reports on its control descriptor;
 * each case is one HTTP request. The capnp config is generated next to the bundle.
 */
import { spawn } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { basename, dirname, join } from 'node:path'

const workerd = createRequire(import.meta.url)('workerd')

/** The workerd release the matrix runs (npm package version). */
export const workerdVersion = workerd.version

const STARTUP_LIMIT_MS = 10_000

/**
 * Starts `workerd serve` with `bundle` at `compatibilityDate`. For `workerd-core` it first checks
 * that the runtime really has no global MessageChannel at that date.
 * @returns a host: `run(id)` resolves with the case's result, `close()` ends workerd.
 */
export async function openWorkerd(bundle, column, compatibilityDate) {
  const config = join(dirname(bundle), `${column}.capnp`)
  await writeFile(config, capnpConfig(basename(bundle), compatibilityDate))

  const child = spawn(workerd.default, ['serve', config, '--control-fd=3'], {
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
  })
  let output = ''
  const keep = (chunk) => {
    output = (output + chunk).slice(-2000)
  }
  child.stdout.on('data', keep)
  child.stderr.on('data', keep)
  const exited = new Promise((resolve) => child.once('exit', resolve))

  try {
    const port = await new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`workerd did not listen within ${STARTUP_LIMIT_MS} ms`)),
        STARTUP_LIMIT_MS,
      )
      let control = ''
      child.stdio[3].on('data', (chunk) => {
        control += chunk
        const lines = control.split('\n')
        control = lines.pop() ?? ''
        const events = lines.filter(Boolean).map((line) => JSON.parse(line))
        const listen = events.find((event) => event.event === 'listen')
        if (!listen) return
        clearTimeout(timer)
        resolve(listen.port)
      })
      void exited.then((code) => {
        clearTimeout(timer)
        reject(new Error(`workerd exited (code ${code}): ${output.trim()}`))
      })
    })
    const base = `http://127.0.0.1:${port}`
    if (column === 'workerd-core') {
      const host = await (await fetch(`${base}/host`)).json()
      if (host.MessageChannel !== 'undefined') {
        throw new Error(
          `workerd at compatibility date ${compatibilityDate} has a global MessageChannel ` +
            `(typeof ${host.MessageChannel}): workerd-core would not test the core on a bare host`,
        )
      }
    }
    return {
      async run(id) {
        const query = new URLSearchParams({ column, id })
        const response = await fetch(`${base}/run?${query}`)
        if (!response.ok) throw new Error(`workerd answered ${response.status}: ${output.trim()}`)
        return response.json()
      },
      async close() {
        child.kill('SIGKILL')
        await exited
      },
    }
  } catch (error) {
    child.kill('SIGKILL')
    await exited
    throw error
  }
}

/** The capnp text config: one worker module, one HTTP socket on a port the OS picks. */
function capnpConfig(module, compatibilityDate) {
  return `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "conformance", worker = (
      modules = [(name = "${module}", esModule = embed "${module}")],
      compatibilityDate = "${compatibilityDate}",
    )),
  ],
  sockets = [(name = "http", address = "127.0.0.1:0", http = (), service = "conformance")],
);
`
}
