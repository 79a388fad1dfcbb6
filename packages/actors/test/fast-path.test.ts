/**
 * The optional fast path: an endpoint offering `[postUncloned]` gets the connection's
 * all-primitive messages through it; anything holding an object still goes through postMessage.
 */
import { MessageChannel } from '@entangle/core'
import { afterEach, expect, test } from 'vitest'
import { postUncloned } from '../src/endpoint'
import { close, type Endpoint, expose, proxy, wrap } from '../src/index'

interface Counted {
  endpoint: Endpoint
  fast: unknown[][]
  slow: unknown[]
}

/** Wraps a core port; the fast path of this double still clones, and records what it got. */
function counted(port: InstanceType<typeof MessageChannel>['port1']): Counted {
  const fast: unknown[][] = []
  const slow: unknown[] = []
  const endpoint = {
    postMessage(message: unknown) {
      slow.push(message)
      port.postMessage(message)
    },
    [postUncloned](message: unknown[]) {
      fast.push(message)
      port.postMessage(message)
    },
    addEventListener: port.addEventListener.bind(port),
    removeEventListener: port.removeEventListener.bind(port),
    start: () => port.start(),
    close: () => port.close(),
  }
  return { endpoint: endpoint as unknown as Endpoint, fast, slow }
}

let a: Counted
let b: Counted
afterEach(() => {
  close(a.endpoint)
  close(b.endpoint)
})

test('all-primitive requests and replies take the fast path', async () => {
  const { port1, port2 } = new MessageChannel()
  a = counted(port1)
  b = counted(port2)
  expose({ add: (x: number, y: number) => x + y, name: () => 'svc' }, a.endpoint)
  const remote = wrap<{ add(x: number, y: number): number; name(): string }>(b.endpoint)
  expect(await remote.add(2, 3)).toBe(5)
  expect(await remote.name()).toBe('svc')
  expect(b.fast.filter((m) => m[0] === 1)).toHaveLength(2)
  expect(a.fast.filter((m) => m[0] === 5).map((m) => m[2])).toEqual([5, 'svc'])
  expect(a.slow).toEqual([])
  expect(b.slow).toEqual([])
})

test('a message holding an object goes through postMessage', async () => {
  const { port1, port2 } = new MessageChannel()
  a = counted(port1)
  b = counted(port2)
  expose({ echo: (value: unknown) => value, call: async (fn: () => number) => fn() }, a.endpoint)
  const remote = wrap<{ echo(value: unknown): unknown; call(fn: () => number): number }>(b.endpoint)
  expect(await remote.echo({ deep: [1] })).toEqual({ deep: [1] })
  expect(b.slow).toHaveLength(1)
  expect(a.slow).toHaveLength(1)
  // A proxied callback sends a reference list: an object, so the slow path.
  expect(await remote.call(proxy(() => 7))).toBe(7)
  expect(b.slow).toHaveLength(2)
  // A symbol cannot be cloned: postMessage is what throws the DataCloneError.
  // @ts-expect-error a symbol is not cloneable
  await expect(remote.echo(Symbol('s'))).rejects.toMatchObject({ name: 'DataCloneError' })
})
