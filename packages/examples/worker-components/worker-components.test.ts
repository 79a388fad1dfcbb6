/**
 * End to end: the bundled Worker in the real workerd binary, at a compatibility date without a
 * global MessageChannel (the Worker uses @entangle/core's) and at one with workerd's own.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type RunningWorker, startWorker } from './workerd.mjs'

/** Every request gives up after this long, so a hung component fails the test instead. */
const REQUEST_LIMIT_MS = 10_000

describe.each([
  { compatibilityDate: '2025-08-01', messageChannel: '@entangle/core' },
  { compatibilityDate: '2025-09-01', messageChannel: 'workerd' },
])('workerd at $compatibilityDate', ({ compatibilityDate, messageChannel }) => {
  let worker: RunningWorker | undefined
  beforeAll(async () => {
    worker = await startWorker({ compatibilityDate })
  })
  afterAll(async () => {
    await worker?.stop()
  })

  function request(path: string, client: string, init: RequestInit = {}): Promise<Response> {
    if (worker === undefined) throw new Error('workerd did not start')
    return fetch(worker.url + path, {
      ...init,
      headers: { 'x-client': client },
      signal: AbortSignal.timeout(REQUEST_LIMIT_MS),
    })
  }
  const render = (client: string, body: string) =>
    request('/render', client, { method: 'POST', body })

  test(`every response says the MessageChannel is ${messageChannel}'s`, async () => {
    for (const response of [
      await request('/', 'header'),
      await request('/hello/header', 'header'),
      await request('/missing', 'header'),
    ]) {
      expect(response.headers.get('x-message-channel')).toBe(messageChannel)
    }
    const stats = await (await request('/stats', 'header')).json()
    expect(stats.messageChannel).toBe(messageChannel)
  })

  test('a page is rendered once, then served from the cache actor', async () => {
    const first = await request('/hello/Grace%20Hopper', 'cache')
    expect(first.status).toBe(200)
    expect(first.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(first.headers.get('x-cache')).toBe('miss')
    const page = await first.text()
    expect(page).toContain('<h1>Hello, Grace Hopper!</h1>')
    const second = await request('/hello/Grace%20Hopper', 'cache')
    expect(second.headers.get('x-cache')).toBe('hit')
    expect(await second.text()).toBe(page)
    const stats = await (await request('/stats', 'cache')).json()
    expect(stats.cache.hits).toBeGreaterThanOrEqual(1)
    expect(stats.client).toEqual({ name: 'cache', allowed: 2, limited: 0 })
  })

  test('POST /render renders the JSON body through the renderer service, escaped', async () => {
    const response = await render('render', '{"title":"<Menu>","items":["tea & cake","soup"]}')
    expect(response.status).toBe(200)
    expect(response.headers.get('x-ratelimit-remaining')).toBe('4')
    expect(await response.text()).toBe(
      '<!doctype html><title>&lt;Menu&gt;</title><h1>&lt;Menu&gt;</h1>' +
        '<ul><li>tea &amp; cake</li><li>soup</li></ul>',
    )
  })

  test('a body that is not JSON gets a 400 that says so', async () => {
    const response = await render('bad-json', '{"title": tea}')
    expect(response.status).toBe(400)
    const { error } = await response.json()
    expect(error).toMatch(/^the request body is not valid JSON: /)
  })

  test("a malformed page gets a 400 with the renderer's own message", async () => {
    for (const [body, message] of [
      ['{"items":["a"]}', 'page.title must be a non-empty string, got undefined'],
      ['{"title":"ok","items":[1]}', 'page.items must be an array of strings'],
      ['[1,2]', 'the page must be a JSON object like {"title": "...", "items": ["..."]}'],
    ] as const) {
      const response = await render('bad-page', body)
      expect(response.status).toBe(400)
      expect(await response.json()).toEqual({ error: message })
    }
  })

  test('a burst from one client: 5 pass, the rest get 429, nothing is lost or hung', async () => {
    // No timing here: a refill comes 10 s after the bucket's first take, and the requests, sent
    // together, each give up after REQUEST_LIMIT_MS (10 s). A refill inside the burst would need
    // a request slower than that, which fails the test by itself.
    const burst = 20
    const [responses, other] = await Promise.all([
      Promise.all(Array.from({ length: burst }, () => request('/hello/burst', 'burst'))),
      // Another client in the middle of the burst is not limited by it.
      request('/hello/other', 'bystander'),
    ])
    const statuses = responses.map((response) => response.status)
    expect(statuses.filter((status) => status === 200)).toHaveLength(5)
    expect(statuses.filter((status) => status === 429)).toHaveLength(burst - 5)
    const remaining = responses
      .filter((response) => response.status === 200)
      .map((response) => response.headers.get('x-ratelimit-remaining'))
    expect(remaining.sort()).toEqual(['0', '1', '2', '3', '4'])
    const refused = responses.find((response) => response.status === 429)
    expect(await refused?.json()).toEqual({ error: 'rate limit reached for client "burst"' })
    expect(Number(refused?.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(other.status).toBe(200)
    // The limiter actor saw every request of the burst exactly once.
    const stats = await (await request('/stats', 'burst')).json()
    expect(stats.client).toEqual({ name: 'burst', allowed: 5, limited: burst - 5 })
  })

  test('unknown routes get 404; a malformed name or x-client header gets 400', async () => {
    const missing = await request('/nowhere', 'misc')
    expect(missing.status).toBe(404)
    expect(await missing.json()).toEqual({ error: 'no route for GET /nowhere' })
    const badName = await request('/hello/%E0%A4%A', 'misc')
    expect(badName.status).toBe(400)
    expect(await badName.json()).toEqual({
      error: 'the name in /hello/%E0%A4%A is not valid percent-encoding',
    })
    const tooLong = await request('/hello/x', 'c'.repeat(65))
    expect(tooLong.status).toBe(400)
    expect(await tooLong.json()).toEqual({
      error: 'the x-client header must be at most 64 characters',
    })
  })
})
