/**
 * Endpoints: the port-like objects a connection can run over, and the one place that knows how to
 * listen to each kind. EventTarget style (the core's ports, the host's MessagePort, Web Workers,
 * Node's MessagePort and `parentPort`) and EventEmitter style (Node's `Worker`).
 */

/**
 * The optional fast path of a port: `port[postUncloned](message)` delivers `message` exactly like
 * `postMessage` (same queue, same event, same timing) but without cloning it. The caller promises
 * `message` is fresh, held by nothing else and made only of primitives (or of values it cloned
 * itself), so a clone would be an identical copy. The RPC connection uses it for its all-primitive
 * messages; the actor link for its envelopes, whose payload it clones with the core's `clone`.
 */
export const postUncloned: unique symbol = Symbol.for('entangle.postUncloned') as never

/** The event a message listener receives on EventTarget-style endpoints. */
export interface MessageEventLike {
  readonly data: unknown
}

/** An EventTarget-style endpoint: a MessagePort, a Web Worker, Node's `parentPort`. */
export interface EventTargetEndpoint {
  postMessage(message: unknown): void
  addEventListener(type: string, listener: (event: MessageEventLike) => void): void
  removeEventListener(type: string, listener: (event: MessageEventLike) => void): void
  /** Called once when present: ports queue messages until started. */
  start?(): void
  /** Called by `close()` when present. */
  close?(): void
}

/** An EventEmitter-style endpoint: Node's `worker_threads.Worker`. */
export interface EmitterEndpoint {
  postMessage(message: unknown): void
  on(event: string, listener: (value: unknown) => void): unknown
  off(event: string, listener: (value: unknown) => void): unknown
}

/** Anything a connection can run over. */
export type Endpoint = EventTargetEndpoint | EmitterEndpoint

/** What the connection needs besides `postMessage`. */
export interface Attachment {
  /** Stop listening. */
  detach(): void
  /** Close the endpoint itself, when it can be closed. */
  close(): void
}

/** Callbacks for what arrives on an endpoint. */
export interface EndpointEvents {
  message(data: unknown): void
  /** The peer went away: the port closed or the worker exited. */
  closed(): void
  /** A message arrived that could not be deserialized. */
  messageError(): void
}

/** Starts listening on `endpoint`; throws a TypeError naming what is missing if it is not one. */
export function attach(endpoint: Endpoint, events: EndpointEvents): Attachment {
  if (typeof endpoint !== 'object' || endpoint === null) {
    throw new TypeError(`Expected an endpoint (a MessagePort, Worker or similar), got ${endpoint}`)
  }
  if (typeof endpoint.postMessage !== 'function') {
    throw new TypeError('The endpoint has no postMessage() method')
  }
  const closable = endpoint as { close?: unknown }
  const close = () => {
    if (typeof closable.close === 'function') closable.close()
  }

  if ('addEventListener' in endpoint && typeof endpoint.addEventListener === 'function') {
    const onMessage = (event: MessageEventLike) => events.message(event.data)
    const onClose = () => events.closed()
    const onMessageError = () => events.messageError()
    endpoint.addEventListener('message', onMessage)
    endpoint.addEventListener('close', onClose)
    endpoint.addEventListener('messageerror', onMessageError)
    endpoint.start?.()
    return {
      detach() {
        endpoint.removeEventListener('message', onMessage)
        endpoint.removeEventListener('close', onClose)
        endpoint.removeEventListener('messageerror', onMessageError)
      },
      close,
    }
  }

  if ('on' in endpoint && typeof endpoint.on === 'function' && typeof endpoint.off === 'function') {
    const onMessage = (data: unknown) => events.message(data)
    const onClose = () => events.closed()
    const onMessageError = () => events.messageError()
    endpoint.on('message', onMessage)
    endpoint.on('close', onClose)
    endpoint.on('exit', onClose)
    endpoint.on('messageerror', onMessageError)
    return {
      detach() {
        endpoint.off('message', onMessage)
        endpoint.off('close', onClose)
        endpoint.off('exit', onClose)
        endpoint.off('messageerror', onMessageError)
      },
      close,
    }
  }

  throw new TypeError('The endpoint has neither addEventListener() nor on()/off()')
}
