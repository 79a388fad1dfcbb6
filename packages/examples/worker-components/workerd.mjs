/**
 * Runs the Worker in the real workerd binary (from the `workerd` npm package): bundles
 * `src/worker.ts` into one ES module with esbuild, writes a capnp config next to it and starts
 * `workerd serve` on 127.0.0.1 with a port the OS picks. workerd reports that port as a JSON line
 * on the file descriptor given as `--control-fd`.
 */
import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

/** @type {{ default: string, version: string }} The binary's path and its version. */
const workerd = createRequire(import.meta.url)('workerd')

/** How long workerd may take to start listening. */
const STARTUP_LIMIT_MS = 15_000

/**
 * A running workerd.
 * @typedef {object} RunningWorker
 * @property {string} url Where it listens, such as `http://127.0.0.1:39123`.
 * @property {string} compatibilityDate The Worker's compatibility date.
 * @property {() => string} output What workerd printed lately (for error messages).
 * @property {() => Promise<void>} stop Kills workerd and removes its files.
 */

/**
 * Bundles the Worker and serves it with workerd at `compatibilityDate`. workerd is killed by
 * `stop()`, and also if this process exits first.
 * @param {{ compatibilityDate: string }} options
 * @returns {Promise<RunningWorker>}
 */
export async function startWorker({ compatibilityDate }) {
  const dir = await mkdtemp(join(tmpdir(), 'entangle-worker-components-'))
  await build({
    entryPoints: [fileURLToPath(new URL('./src/worker.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outfile: join(dir, 'worker.js'),
    logLevel: 'warning',
  })
  await writeFile(join(dir, 'config.capnp'), capnpConfig('worker.js', compatibilityDate))

  const child = spawn(workerd.default, ['serve', join(dir, 'config.capnp'), '--control-fd=3'], {
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
  })
  const kill = () => child.kill('SIGKILL')
  process.once('exit', kill)
  let output = ''
  const keep = (/** @type {Buffer | string} */ chunk) => {
    output = (output + chunk).slice(-4000)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  // A binary that cannot be started reports 'error' then 'close', and never 'exit'.
  child.on('error', (error) => keep(`${error.message}\n`))
  /** @type {Promise<number | null>} */
  const exited = new Promise((resolve) => child.once('close', resolve))
  const stop = async () => {
    kill()
    await exited
    process.off('exit', kill)
    await rm(dir, { recursive: true, force: true })
  }

  try {
    const control = /** @type {import('node:stream').Readable} */ (child.stdio[3])
    const port = await listeningPort(control, exited, () => output)
    return { url: `http://127.0.0.1:${port}`, compatibilityDate, output: () => output, stop }
  } catch (error) {
    await stop()
    throw error
  }
}

/**
 * Resolves with the port of workerd's `listen` event; rejects if workerd exits or is too slow.
 * @param {import('node:stream').Readable} control
 * @param {Promise<number | null>} exited
 * @param {() => string} output
 * @returns {Promise<number>}
 */
function listeningPort(control, exited, output) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`workerd did not listen within ${STARTUP_LIMIT_MS} ms: ${output()}`)),
      STARTUP_LIMIT_MS,
    )
    let pending = ''
    control.on('data', (chunk) => {
      const lines = (pending + chunk).split('\n')
      pending = lines.pop() ?? ''
      for (const line of lines) {
        const event = JSON.parse(line)
        if (event.event === 'listen') {
          clearTimeout(timer)
          resolve(event.port)
        }
      }
    })
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`workerd exited with code ${code}: ${output()}`))
    })
  })
}

/**
 * The workerd config: one service running the bundled module, one HTTP socket on 127.0.0.1 with
 * port 0 (the OS picks a free one).
 * @param {string} module
 * @param {string} compatibilityDate
 */
function capnpConfig(module, compatibilityDate) {
  return `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "worker-components", worker = (
      modules = [(name = "${module}", esModule = embed "${module}")],
      compatibilityDate = "${compatibilityDate}",
    )),
  ],
  sockets = [(name = "http", address = "127.0.0.1:0", http = (), service = "worker-components")],
);
`
}
