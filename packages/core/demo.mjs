// A two-minute tour of @entangle/core: run with `pnpm start` from the repository root.
import { installGlobals, MessageChannel } from '@entangle/core'

const { port1, port2 } = new MessageChannel()

// 1. Messages are structured clones, delivered in a microtask, in order.
port2.onmessage = ({ data }) => {
  console.log('port2 received', data)
  if (data.multiply) port2.postMessage({ product: data.multiply[0] * data.multiply[1] })
}
port1.onmessage = ({ data }) => console.log('port1 received', data)

const original = { multiply: [21, 2], sentAt: new Date(0), tags: new Set(['demo']) }
port1.postMessage(original)
original.multiply[0] = 1000 // changed after posting: the receiver still sees 21

// 2. Workers rules: no transfer lists, ports cannot be sent.
for (const [what, post] of [
  ['a transfer list', () => port1.postMessage(new ArrayBuffer(8), [new ArrayBuffer(8)])],
  ['a port inside a message', () => port1.postMessage({ reply: port2 })],
  ['a function', () => port1.postMessage({ callback() {} })],
]) {
  try {
    post()
  } catch (error) {
    console.log(`posting ${what} throws ${error.name}: ${error.message}`)
  }
}

// 3. A listener that throws produces a 'messageerror' event instead of crashing the sender.
const errors = new MessageChannel()
errors.port2.onmessage = () => {
  throw new Error('handler failed')
}
errors.port2.onmessageerror = (event) => console.log('messageerror event with', String(event.data))
errors.port1.postMessage('boom')

// 4. close() fires 'close' on both ports, synchronously.
await new Promise((resolve) => setTimeout(resolve, 10))
port1.onclose = () => console.log('port1 closed')
port2.onclose = () => console.log('port2 closed (the peer is told first)')
port1.close()
errors.port1.close()

// 5. installGlobals() decides like workerd does from a compatibility date.
const hostChannel = globalThis.MessageChannel
const restore = installGlobals({ compatibilityDate: '2025-09-01', replaceNative: true })
console.log(
  'installGlobals(2025-09-01) replaced the host MessageChannel:',
  globalThis.MessageChannel !== hostChannel,
)
restore()
console.log('and restore() put it back:', globalThis.MessageChannel === hostChannel)
