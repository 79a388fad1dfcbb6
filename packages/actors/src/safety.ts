/**
 * What a request may reach on the serving side: the keys that are always refused (`__proto__`,
 * `constructor`, `prototype`, ...), members inherited from `Object.prototype` or
 * `Function.prototype`, and a service's allow-list, compared key by key. Every key of every request
 * path goes through `member()` (reads and calls) or `checkAssignable()` (writes).
 */
import { RpcError } from './errors'
import { describe, type WirePath } from './protocol'

const forbiddenKeys = new Set([
  '__proto__',
  'constructor',
  'prototype',
  'caller',
  'callee',
  'arguments',
])
const objectProto = Object.prototype as unknown as Record<string, unknown>
const functionProto = Function.prototype as unknown as Record<string, unknown>

function forbidden(key: string, target: string | number, path: WirePath): RpcError {
  return new RpcError(
    'FORBIDDEN',
    `"${key}" cannot be reached through a remote (${describe(target, path)})`,
  )
}

/**
 * Reads `owner[key]` for a request on `target` / `path`, refusing what an exposed object does not
 * offer by itself: a forbidden key, or a method it inherits from `Object.prototype` or
 * `Function.prototype` (its own `toString` is fine).
 */
export function member(owner: unknown, key: string, target: string | number, path: WirePath) {
  if (forbiddenKeys.has(key)) throw forbidden(key, target, path)
  if (owner === null || owner === undefined) {
    throw new TypeError(`Cannot read "${key}" of ${owner} (${describe(target, path)})`)
  }
  const value = (owner as Record<string, unknown>)[key]
  if (typeof value === 'function' && (value === objectProto[key] || value === functionProto[key])) {
    throw forbidden(key, target, path)
  }
  return value
}

/**
 * Throws unless `owner[key] = value` is allowed: the key is not forbidden, does not shadow an
 * `Object.prototype` member the object does not own, and `owner` is an object.
 */
export function checkAssignable(
  owner: unknown,
  key: string,
  target: string | number,
  path: WirePath,
): asserts owner is Record<string, unknown> {
  if (forbiddenKeys.has(key) || (key in objectProto && !Object.hasOwn(Object(owner), key))) {
    throw forbidden(key, target, path)
  }
  if ((typeof owner !== 'object' && typeof owner !== 'function') || owner === null) {
    throw new TypeError(`Cannot assign "${key}" of ${String(owner)} (${describe(target, path)})`)
  }
}

/**
 * Splits the dotted paths of an allow-list into keys (`'math.mul'` is `['math', 'mul']`). Throws a
 * TypeError for anything but an array of non-empty paths without empty keys.
 */
export function parseAllowList(allow: unknown): string[][] {
  const bad = new TypeError('options.allow must be an array of paths such as "math.add"')
  if (!Array.isArray(allow)) throw bad
  return allow.map((path: unknown) => {
    if (typeof path !== 'string') throw bad
    const keys = path.split('.')
    if (keys.includes('')) {
      throw new TypeError(`options.allow has an empty key in "${path}"`)
    }
    return keys
  })
}

/**
 * Throws a 'FORBIDDEN' RpcError unless `path` is one of the `allowed` key lists or lies below one.
 * Keys are compared one by one, so a key holding a dot is never mistaken for a deeper path.
 */
export function checkAllowed(
  allowed: readonly (readonly string[])[],
  target: string | number,
  path: WirePath,
): void {
  for (const keys of allowed) {
    if (typeof path === 'string' ? keys.length === 1 && keys[0] === path : startsWith(path, keys)) {
      return
    }
  }
  throw new RpcError('FORBIDDEN', `${describe(target, path)} is not in the allow-list`)
}

function startsWith(path: readonly string[], prefix: readonly string[]): boolean {
  if (path.length < prefix.length) return false
  for (let i = 0; i < prefix.length; i++) if (path[i] !== prefix[i]) return false
  return true
}
