/**
 * Error fidelity: built-in classes, message, stack (optionally redacted), cause recursively,
 * AggregateError's errors, own properties, non-Error throws as themselves.
 */
import { afterEach, describe, expect, test } from 'vitest'
import { close, expose, RpcError, wrap } from '../src/index'
import { kinds, type Pair } from './helpers'

type Thrower = { throwIt(): void; rejectIt(): Promise<void> }

/** Exposes a function throwing `make()` (sync and async) and returns what the caller catches. */
async function caught(ports: Pair, make: () => unknown, redactStack = false): Promise<unknown> {
  expose(
    {
      throwIt() {
        throw make()
      },
      async rejectIt() {
        await Promise.resolve()
        throw make()
      },
    },
    ports.a,
    { redactStack },
  )
  const remote = wrap<Thrower>(ports.b)
  const sync = await remote.throwIt().then(
    () => 'no error',
    (e: unknown) => e,
  )
  const async = await remote.rejectIt().then(
    () => 'no error',
    (e: unknown) => e,
  )
  expect(typeof async).toBe(typeof sync)
  if (typeof sync === 'object' && sync !== null) expect(async).toEqual(sync)
  return sync
}

describe.each(kinds)('over $name', ({ pair }) => {
  let ports: Pair
  afterEach(() => {
    close(ports.a)
    close(ports.b)
  })

  test.each([
    ['Error', () => new Error('plain')],
    ['TypeError', () => new TypeError('type')],
    ['RangeError', () => new RangeError('range')],
    ['SyntaxError', () => new SyntaxError('syntax')],
    ['ReferenceError', () => new ReferenceError('reference')],
    ['EvalError', () => new EvalError('eval')],
    ['URIError', () => new URIError('uri')],
  ] as const)('a thrown %s keeps its class and message', async (name, make) => {
    ports = pair()
    const error = await caught(ports, make)
    const original = make()
    expect(error).toBeInstanceOf(original.constructor)
    expect(error).toMatchObject({ name, message: original.message })
  })

  test('the stack of the throw site travels, unless redacted', async () => {
    ports = pair()
    function throwingHere() {
      return new Error('with stack')
    }
    const error = (await caught(ports, throwingHere)) as Error
    expect(error.stack).toContain('throwingHere')
    close(ports.a)
    close(ports.b)
    ports = pair()
    const redacted = (await caught(ports, throwingHere, true)) as Error
    expect(redacted.message).toBe('with stack')
    expect(redacted.stack).not.toContain('throwingHere')
  })

  test('AggregateError keeps its errors, each with its class', async () => {
    ports = pair()
    const error = await caught(
      ports,
      () => new AggregateError([new TypeError('one'), new RangeError('two'), 'three'], 'several'),
    )
    expect(error).toBeInstanceOf(AggregateError)
    const { errors, message } = error as AggregateError
    expect(message).toBe('several')
    expect(errors[0]).toBeInstanceOf(TypeError)
    expect(errors[0]).toMatchObject({ message: 'one' })
    expect(errors[1]).toBeInstanceOf(RangeError)
    expect(errors[2]).toBe('three')
  })

  test('DOMException keeps its class, name and code', async () => {
    ports = pair()
    const error = await caught(ports, () => new DOMException('stopped', 'AbortError'))
    expect(error).toBeInstanceOf(DOMException)
    expect(error).toMatchObject({ name: 'AbortError', message: 'stopped', code: 20 })
  })

  test('cause is kept recursively, whatever it is', async () => {
    ports = pair()
    const error = (await caught(
      ports,
      () =>
        new Error('top', {
          cause: new TypeError('middle', { cause: { reason: 'bottom', at: [1, 2] } }),
        }),
    )) as Error
    expect(error.message).toBe('top')
    expect(error.cause).toBeInstanceOf(TypeError)
    const middle = error.cause as Error
    expect(middle.message).toBe('middle')
    expect(middle.cause).toEqual({ reason: 'bottom', at: [1, 2] })
    expect(Object.keys(error)).not.toContain('cause')
  })

  test('an error that is its own cause does not loop', async () => {
    ports = pair()
    const error = (await caught(ports, () => {
      const e = new Error('loop')
      e.cause = e
      return e
    })) as Error
    expect(error.message).toBe('loop')
    let depth = 0
    for (let e: unknown = error; e instanceof Error && depth < 100; e = e.cause) depth++
    expect(depth).toBeLessThan(100)
  })

  test('own properties travel; uncloneable ones are left out', async () => {
    ports = pair()
    const error = (await caught(ports, () =>
      Object.assign(new Error('with props'), {
        code: 'E_THING',
        status: 404,
        details: { id: 7 },
        callback: () => 1,
      }),
    )) as Error & Record<string, unknown>
    expect(error).toMatchObject({ code: 'E_THING', status: 404, details: { id: 7 } })
    expect('callback' in error).toBe(false)
  })

  test('a custom error subclass keeps its name and the nearest built-in class', async () => {
    ports = pair()
    class ValidationError extends TypeError {
      override name = 'ValidationError'
      field = 'email'
    }
    const error = await caught(ports, () => new ValidationError('bad email'))
    expect(error).toBeInstanceOf(TypeError)
    expect(error).toMatchObject({ name: 'ValidationError', message: 'bad email', field: 'email' })
  })

  test.each([
    ['a string', 'just a string'],
    ['a number', 42],
    ['null', null],
    ['undefined', undefined],
    ['an object', { not: 'an error' }],
  ])('a thrown non-Error value (%s) arrives as itself', async (_label, value) => {
    ports = pair()
    const error = await caught(ports, () => value)
    expect(error).toEqual(value)
  })

  test('an error with a property that throws when read still arrives, without it', async () => {
    ports = pair()
    const error = (await caught(ports, () => {
      const hostile = new RangeError('hostile', { cause: 'root' })
      Object.defineProperty(hostile, 'detail', {
        enumerable: true,
        get() {
          throw new Error('do not read me')
        },
      })
      return Object.assign(hostile, { status: 500 })
    })) as Error & Record<string, unknown>
    expect(error).toBeInstanceOf(RangeError)
    expect(error).toMatchObject({ message: 'hostile', cause: 'root', status: 500 })
    expect('detail' in error).toBe(false)
  })

  test('a thrown value that cannot be cloned becomes a DataCloneError', async () => {
    ports = pair()
    const error = await caught(ports, () => () => 'a function')
    expect(error).toBeInstanceOf(DOMException)
    expect(error).toMatchObject({ name: 'DataCloneError' })
    expect((error as Error).message).toMatch(/^The thrown value could not be cloned/)
  })

  test('an RpcError thrown by the callee keeps its class and code', async () => {
    ports = pair()
    const error = await caught(ports, () => new RpcError('TIMEOUT', 'inner call timed out'))
    expect(error).toBeInstanceOf(RpcError)
    expect(error).toMatchObject({ code: 'TIMEOUT', message: 'inner call timed out' })
  })
})
