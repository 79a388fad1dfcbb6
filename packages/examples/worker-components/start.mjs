/**
 * The worker-components demo (`pnpm start` at the repository root): serves the Worker with
 * workerd, sends it a few requests, prints them with their responses and stops workerd. Then it
 * does it again at an older compatibility date, where workerd has no MessageChannel of its own.
 */
import { startWorker } from './workerd.mjs'

/**
 * One request of the demo.
 * @typedef {{ method?: string, path: string, client: string, body?: string }} DemoRequest
 */

/** @type {DemoRequest[]} */
const tour = [
  { path: '/hello/ada', client: 'ada' },
  { path: '/hello/ada', client: 'ada' },
  { method: 'POST', path: '/render', client: 'ada', body: '{"title":"Menu","items":["tea"]}' },
  { method: 'POST', path: '/render', client: 'ada', body: '{"title": tea}' },
  { method: 'POST', path: '/render', client: 'ada', body: '{"items":[]}' },
]

/**
 * Sends one request and prints it with the response's status, main headers and body.
 * @param {string} url
 * @param {DemoRequest} request
 */
async function send(url, { method = 'GET', path, client, body }) {
  const response = await fetch(url + path, {
    method,
    headers: { 'x-client': client },
    ...(body === undefined ? {} : { body }),
  })
  const text = (await response.text()).trim()
  const headers = ['x-message-channel', 'x-cache', 'x-ratelimit-remaining', 'retry-after']
    .filter((name) => response.headers.has(name))
    .map((name) => `${name}: ${response.headers.get(name)}`)
  console.log(`> ${method} ${path}${body === undefined ? '' : ` ${body}`}  (x-client: ${client})`)
  console.log(`< ${response.status}  ${headers.join(', ')}`)
  console.log(`  ${text.length > 120 ? `${text.slice(0, 117)}...` : text}`)
}

/**
 * Sends `count` requests at once for one client and prints how many got each status.
 * @param {string} url
 * @param {number} count
 */
async function burst(url, count) {
  const statuses = await Promise.all(
    Array.from({ length: count }, () =>
      fetch(`${url}/hello/bob`, { headers: { 'x-client': 'bob' } }).then((r) => r.status),
    ),
  )
  /** @type {Record<number, number>} */
  const counts = {}
  for (const status of statuses) counts[status] = (counts[status] ?? 0) + 1
  console.log(`> ${count} x GET /hello/bob at once  (x-client: bob)`)
  console.log(
    `< ${Object.entries(counts)
      .map(([s, n]) => `${n} x ${s}`)
      .join(', ')}`,
  )
}

/**
 * Serves the Worker with workerd at `compatibilityDate`, runs `show` against its URL, stops workerd.
 * @param {string} compatibilityDate
 * @param {(url: string) => Promise<void>} show
 */
async function withWorkerd(compatibilityDate, show) {
  const worker = await startWorker({ compatibilityDate })
  try {
    console.log(`\n== workerd, compatibility date ${compatibilityDate}, at ${worker.url}\n`)
    await show(worker.url)
  } finally {
    await worker.stop()
  }
}

await withWorkerd('2025-09-01', async (url) => {
  for (const request of tour) await send(url, request)
  await burst(url, 8)
  await send(url, { path: '/stats', client: 'bob' })
})
// The same Worker where workerd has no MessageChannel: @entangle/core's is used instead.
await withWorkerd('2025-08-01', (url) => send(url, { path: '/hello/ada', client: 'ada' }))
console.log('\nworkerd stopped.')
