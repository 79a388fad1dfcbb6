/**
 * @entangle/actors, RPC layer: typed proxies over one port pair, without transferring ports.
 */
export { EventEmitter } from 'eventemitter3'
export type { CallOptions, ConnectionOptions } from './connection'
export { currentSignal } from './context'
export {
  type EmitterEndpoint,
  type Endpoint,
  type EventTargetEndpoint,
  type MessageEventLike,
  postUncloned,
} from './endpoint'
export { RpcError, type RpcErrorCode } from './errors'
export { RemoteEmitter } from './events'
export { PROTOCOL_NAME, PROTOCOL_VERSION } from './protocol'
export { proxy } from './remote'
export {
  assign,
  close,
  type ExposeOptions,
  expose,
  release,
  type WrapOptions,
  withOptions,
  wrap,
} from './rpc'
export { RemoteStream } from './stream'
export type {
  Cloneable,
  CloneableObject,
  ProxyBrand,
  ProxyMarked,
  Remote,
  RemoteArg,
  RemoteArgs,
  RemoteBrand,
  RemoteObject,
  RemoteProperty,
  RemoteResult,
} from './types'
