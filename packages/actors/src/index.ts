/**
 * @entangle/actors: typed RPC proxies (this file's first half) and actors (`./actors`) over one port
 * pair, without transferring ports.
 */
export { EventEmitter } from 'eventemitter3'
export * from './actors/index'
export { currentSignal } from './context'
export type {
  EmitterEndpoint,
  Endpoint,
  EventTargetEndpoint,
  MessageEventLike,
} from './endpoint'
export { RpcError, type RpcErrorCode } from './errors'
export { RemoteEmitter } from './events'
export type { CallOptions, ConnectionOptions, ExposeOptions, WrapOptions } from './options'
export { PROTOCOL_NAME, PROTOCOL_VERSION } from './protocol'
export { proxy } from './remote'
export { assign, close, expose, release, withOptions, wrap } from './rpc'
export { RemoteStream } from './stream'
export type { Cloneable, ProxyMarked, Remote, RemoteArg, RemoteResult } from './types'
