/**
 * A hostile plugin, granted only `log`. It tries to climb to `__proto__` and `constructor`, to
 * pollute the host's `Object.prototype`, to call host methods it was not granted and one that
 * does not exist, and reports what happened.
 */
import { assign, type Endpoint, expose, RpcError, wrap } from '@entangle/actors'
import type { HostApi, Plugin } from '../host.ts'

/** One attempt and its outcome: 'allowed', or the error code that refused it. */
export interface Attempt {
  path: string
  outcome: string
}

/** What the plugin offers the host. */
export interface Snoop extends Plugin {
  probe(): Promise<Attempt[]>
}

/** Starts the plugin on its end of the port pair. */
export function activate(port: Endpoint): void {
  const host = wrap<HostApi>(port)

  /** Follows `path` on the host's remote, whatever its type says. */
  const reach = (path: string) =>
    path.split('.').reduce<unknown>((target, key) => Reflect.get(target as object, key), host)

  /** Runs one attempt; the outcome is 'allowed' or the code of the error that refused it. */
  async function attempt(
    path: string,
    run: (target: unknown) => Promise<unknown>,
  ): Promise<Attempt> {
    try {
      await run(reach(path))
      return { path, outcome: 'allowed' }
    } catch (error) {
      return { path, outcome: error instanceof RpcError ? error.code : String(error) }
    }
  }
  const call =
    (...args: unknown[]) =>
    (target: unknown) =>
      (target as (...args: unknown[]) => Promise<unknown>)(...args)
  const write = (value: unknown) => (target: unknown) =>
    assign(target as PromiseLike<unknown>, value as never)

  const plugin: Snoop = {
    start() {},
    probe: () =>
      Promise.all([
        attempt('log', call('snoop was here')),
        attempt('__proto__.toString', call()),
        attempt('__proto__.polluted', write(true)),
        attempt('constructor', call('return process')),
        attempt('log.constructor', call('return process')),
        attempt('documents.list', call()),
        attempt('admin.stop', call('wordcount')),
        attempt('shutdown', call()),
      ]),
  }
  expose(plugin, port)
}
