/**
 * A Cloudflare module Worker made of components that talk over MessageChannel ports:
 *
 * - the router (this file) answers HTTP requests;
 * - the rate limiters and the cache are actors of their own actor system, `store`; the router's
 *   system, `edge`, reaches them over one port pair;
 * - the renderer is a service object served with `expose` on a second port pair and called
 *   through `wrap`.
 *
 * workerd has a global MessageChannel from compatibility date 2025-08-15 on; before that the
 * Worker uses @entangle/core's. Every response says which in its `x-message-channel` header.
 */
import {
  ActorError,
  type ActorRef,
  createActorSystem,
  type Endpoint,
  expose,
  type Protocol,
  type Remote,
  wrap,
} from '@entangle/actors'
import { MessageChannel as CoreMessageChannel } from '@entangle/core'
import { type Cache, cache } from './cache.ts'
import { type Limiters, limiters } from './limiter.ts'
import { type Page, type Renderer, renderer } from './renderer.ts'

/** Every setting of the Worker, in one place. */
const settings = {
  rateLimit: { capacity: 5, refillMs: 10_000 },
  cache: { maxEntries: 100, ttlMs: 60_000 },
  /** No ask waits longer than this; the request then fails with 504. */
  askTimeoutMs: 5_000,
  /** Longest accepted `x-client` header. */
  maxClientLength: 64,
} as const

/** The options of every ask. */
const askOptions = { timeout: settings.askTimeoutMs }

type ChannelClass = new () => { port1: Endpoint; port2: Endpoint }

/** workerd's own MessageChannel when the compatibility date has one, else @entangle/core's. */
const workerdChannel = (globalThis as { MessageChannel?: ChannelClass }).MessageChannel
const Channel: ChannelClass = workerdChannel ?? CoreMessageChannel
const channelName = workerdChannel === undefined ? '@entangle/core' : 'workerd'

/** The components, as the router sees them. */
interface App {
  limiters: Promise<ActorRef<Limiters>>
  cache: Promise<ActorRef<Cache>>
  renderer: Remote<Renderer>
}

function createApp(): App {
  const edge = createActorSystem({ id: 'edge' })
  const store = createActorSystem({ id: 'store' })
  store.spawn(limiters(settings.rateLimit), { name: 'limiters' })
  store.spawn(cache(settings.cache), { name: 'cache' })
  const storeChannel = new Channel()
  store.connect(storeChannel.port2)
  const remoteStore = edge.connect(storeChannel.port1)

  const rendererChannel = new Channel()
  expose(renderer, rendererChannel.port1)

  const lookup = <P extends Protocol<P>>(path: string) =>
    remoteStore.lookup<P>(path, askOptions).then((ref) => {
      if (ref === undefined) throw new Error(`no actor at ${path}`)
      return ref
    })
  return {
    limiters: lookup<Limiters>('/limiters'),
    cache: lookup<Cache>('/cache'),
    renderer: wrap<Renderer>(rendererChannel.port2),
  }
}

// workerd allows no timers or random numbers at startup, so the components are created by the
// first request and shared by all later ones.
let app: App | undefined

export default {
  async fetch(request: Request): Promise<Response> {
    app ??= createApp()
    const response = await route(app, request).catch(failure)
    response.headers.set('x-message-channel', channelName)
    return response
  },
}

async function route(app: App, request: Request): Promise<Response> {
  const { pathname } = new URL(request.url)
  const client = clientOf(request)
  if (typeof client !== 'string') return client

  if (pathname === '/' && request.method === 'GET') {
    return new Response(
      'GET /hello/:name (cached), POST /render {"title", "items"}, GET /stats\n' +
        `Rate limit: ${settings.rateLimit.capacity} requests per client (header x-client), ` +
        `one more every ${settings.rateLimit.refillMs / 1000} s.\n`,
    )
  }
  if (pathname === '/stats' && request.method === 'GET') {
    const limiter = await (await app.limiters).ask('limiterFor', client, askOptions)
    const cacheRef = await app.cache
    return Response.json({
      messageChannel: channelName,
      client: { name: client, ...(await limiter.ask('stats', undefined, askOptions)) },
      cache: await cacheRef.ask('stats', undefined, askOptions),
    })
  }
  const hello = /^\/hello\/([^/]+)$/.exec(pathname)
  if (hello && request.method === 'GET') {
    let name: string
    try {
      name = decodeURIComponent(hello[1] as string)
    } catch {
      return error(400, `the name in ${pathname} is not valid percent-encoding`)
    }
    return limited(app, client, () => helloPage(app, name))
  }
  if (pathname === '/render' && request.method === 'POST') {
    return limited(app, client, () => renderBody(app, request))
  }
  return error(404, `no route for ${request.method} ${pathname}`)
}

/** The client a request counts against: its `x-client` header, or a 400 response. */
function clientOf(request: Request): string | Response {
  const client = request.headers.get('x-client')?.trim() || 'anonymous'
  if (client.length > settings.maxClientLength) {
    return error(400, `the x-client header must be at most ${settings.maxClientLength} characters`)
  }
  return client
}

/** Runs `handle` if the client's limiter has a token left, else answers 429. */
async function limited(
  app: App,
  client: string,
  handle: () => Promise<Response>,
): Promise<Response> {
  const limiter = await (await app.limiters).ask('limiterFor', client, askOptions)
  const decision = await limiter.ask('take', undefined, askOptions)
  if (!decision.allowed) {
    const response = error(429, `rate limit reached for client "${client}"`)
    response.headers.set('retry-after', String(Math.ceil(decision.retryAfterMs / 1000)))
    return response
  }
  const response = await handle()
  response.headers.set('x-ratelimit-remaining', String(decision.remaining))
  return response
}

/** A greeting page, rendered once and then served from the cache. */
async function helloPage(app: App, name: string): Promise<Response> {
  const cacheRef = await app.cache
  const key = `hello/${name}`
  const cached = await cacheRef.ask('get', key, askOptions)
  if (cached !== null) return html(cached, 'hit')
  const page = await app.renderer.render({
    title: `Hello, ${name}!`,
    items: ['Routed by the router', 'Rate limited by an actor', 'Rendered by a service'],
  })
  cacheRef.tell('set', { key, value: page })
  return html(page, 'miss')
}

/** Renders the page described by the request's JSON body. */
async function renderBody(app: App, request: Request): Promise<Response> {
  let body: unknown
  try {
    body = await request.json()
  } catch (cause) {
    return error(400, `the request body is not valid JSON: ${(cause as Error).message}`)
  }
  try {
    // The renderer checks the page; its TypeError arrives here as a TypeError.
    return html(await app.renderer.render(body as Page), 'none')
  } catch (cause) {
    if (cause instanceof TypeError) return error(400, cause.message)
    throw cause
  }
}

function html(body: string, cacheStatus: 'hit' | 'miss' | 'none'): Response {
  return new Response(body, {
    headers: { 'content-type': 'text/html; charset=utf-8', 'x-cache': cacheStatus },
  })
}

function error(status: number, message: string): Response {
  return Response.json({ error: message }, { status })
}

/** What a component failure becomes: 504 for a timeout, else 500. */
function failure(cause: unknown): Response {
  if (cause instanceof ActorError && cause.code === 'TIMEOUT') return error(504, cause.message)
  return error(500, cause instanceof Error ? cause.message : String(cause))
}
