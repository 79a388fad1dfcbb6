/**
 * Chromium columns: Debian's headless chromium driven by playwright-core. A tiny HTTP server on
 * 127.0.0.1 serves a page that loads `runtime/browser.ts` (bundled); each column gets its own
 * browser context and each case is one `page.evaluate`. The page is cross-origin isolated
 * (COOP/COEP headers) so `SharedArrayBuffer` exists there as it does in Node and workerd.
 */
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { chromium } from 'playwright-core'

/** Where the matrix expects Chromium (Debian's `chromium` package). */
export const CHROMIUM_PATH = '/usr/bin/chromium'

/** The install hint printed when Chromium is missing. */
export const CHROMIUM_INSTALL = 'apt-get update && apt-get install -y chromium'

const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
  // Not in the CI list of flags: lets the garbage-collection case run (`impl.gc`).
  '--js-flags=--expose-gc',
]

const PAGE =
  '<!doctype html><meta charset="utf-8"><title>conformance</title><script src="/browser.js"></script>'

/** True when the Chromium the matrix needs is installed. */
export function hasChromium() {
  return existsSync(CHROMIUM_PATH)
}

/**
 * Serves `bundle` and launches Chromium.
 * @returns `open(column)` for one column's host, `version`, and `close()` for browser and server.
 */
export async function startChromium(bundle) {
  const script = await readFile(bundle)
  const server = createServer((request, response) => {
    const isolation = {
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
    }
    if (request.url === '/browser.js') {
      response.writeHead(200, { ...isolation, 'content-type': 'text/javascript' }).end(script)
    } else if (request.url === '/') {
      response.writeHead(200, { ...isolation, 'content-type': 'text/html' }).end(PAGE)
    } else {
      response.writeHead(404).end()
    }
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${server.address().port}`
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: LAUNCH_ARGS })

  return {
    version: browser.version(),
    /** A fresh context and page for `column`; `run(id)` evaluates one case in it. */
    async open(column) {
      const context = await browser.newContext()
      context.setDefaultTimeout(10_000)
      const page = await context.newPage()
      await page.goto(origin)
      await page.waitForFunction(() => 'conformance' in globalThis)
      return {
        run: (id) => page.evaluate(([c, i]) => globalThis.conformance.run(c, i), [column, id]),
        close: () => context.close(),
      }
    },
    async close() {
      await browser.close()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}
