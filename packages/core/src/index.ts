/**
 * @entangle/core: `MessageChannel`, `MessagePort` and `MessageEvent` with the semantics of
 * Cloudflare Workers, in plain TypeScript, for any host with `structuredClone` and `EventTarget`.
 */
export { clone } from './clone.js'
export { MessageEvent, type MessageEventInit } from './event.js'
export { type InstallGlobalsOptions, installGlobals } from './globals.js'
export {
  type Listening,
  MessageChannel,
  type MessageChannelOptions,
  MessagePort,
  type MessagePortEventMap,
  type StructuredSerializeOptions,
} from './port.js'
export type { Delivery } from './scheduler.js'
