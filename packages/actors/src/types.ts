/**
 * The static types: `Remote<T>` (what `wrap<T>()` returns), the argument mapping that turns
 * non-cloneable arguments into compile errors, and the result mapping for by-reference values,
 * streams and emitters. Type-only; nothing here exists at run time.
 */
import type { EventEmitter } from 'eventemitter3'
import type { IsAny, IsEqual, IsUnknown, Primitive } from 'type-fest'
import type { RemoteEmitter } from './events'
import type { RemoteStream } from './stream'

declare const proxyBrand: unique symbol
declare const remoteOf: unique symbol

/** The brand `proxy()` puts on a value's type. */
export interface ProxyBrand {
  readonly [proxyBrand]: true
}

/** A value marked by `proxy()`: it crosses the port by reference. */
export type ProxyMarked<T> = T & ProxyBrand

/** Remembers, in a remote's type, the local type it stands for (type-level only). */
export interface RemoteBrand<T> {
  readonly [remoteOf]: T
}

type AnyFunction = (...args: never[]) => unknown
type AnyConstructor = abstract new (...args: never[]) => unknown
/** MessagePort, Worker, window: never cloneable here, and never sent in a message. */
type PortLike = { postMessage(...args: never[]): unknown }
/** Objects the structured clone algorithm copies as they are. */
type Opaque = Date | RegExp | ArrayBuffer | SharedArrayBuffer | ArrayBufferView | Error

/** Any object the structured clone algorithm accepts: not callable, not a port. */
export type CloneableObject =
  | (object & { readonly [Symbol.hasInstance]?: never; readonly postMessage?: never })
  | { readonly [key: string]: Cloneable }

/** Any value the structured clone algorithm accepts (what an `unknown` parameter becomes). */
export type Cloneable = string | number | boolean | bigint | null | undefined | CloneableObject

type Deeper<Depth extends unknown[]> = [...Depth, unknown]

/** `P` as it can be sent by value: functions, ports and symbols become `never`, deeply. */
export type Data<P, Depth extends unknown[] = []> = Depth['length'] extends 8
  ? P
  : IsAny<P> extends true
    ? P
    : IsUnknown<P> extends true
      ? Cloneable
      : P extends symbol | AnyFunction | AnyConstructor | PortLike
        ? never
        : P extends Primitive | Opaque
          ? P
          : P extends ReadonlyMap<infer K, infer V>
            ? Map<Data<K, Deeper<Depth>>, Data<V, Deeper<Depth>>>
            : P extends ReadonlySet<infer V>
              ? Set<Data<V, Deeper<Depth>>>
              : P extends readonly unknown[]
                ? { [I in keyof P]: Data<P[I], Deeper<Depth>> }
                : IsEqual<P, object> extends true
                  ? CloneableObject
                  : { [K in keyof P]: Data<P[K], Deeper<Depth>> }

/**
 * What an argument of declared type `P` must be when sent to the peer: functions and classes must
 * be marked with `proxy()` (or be remotes already); a parameter the callee declares as
 * `Remote<X>` takes `proxy(x)`; emitters and async iterables travel by reference; everything else
 * must be cloneable. An object may also be a remote of the peer's own object, which arrives as the
 * original.
 */
export type RemoteArg<P> =
  IsAny<P> extends true
    ? P
    : IsUnknown<P> extends true
      ? Cloneable
      : P extends ProxyBrand
        ? P
        : P extends RemoteBrand<infer L>
          ? ProxyMarked<L> | Remote<L>
          : P extends AnyFunction
            ? ProxyMarked<P> | Remote<P>
            : P extends AnyConstructor
              ? ProxyMarked<P>
              : P extends EventEmitter<infer E>
                ? EventEmitter<E>
                : P extends AsyncIterable<infer Y>
                  ? AsyncIterable<Data<Y>>
                  : P extends object
                    ? Data<P> | Remote<P>
                    : Data<P>

/** The argument list of a remote call. */
export type RemoteArgs<A extends readonly unknown[]> = { [I in keyof A]: RemoteArg<A[I]> }

/** What a call resolves to when the exposed function returns (a promise of) `R`. */
export type RemoteResult<R> = R extends ProxyBrand
  ? Remote<R>
  : R extends EventEmitter<infer E>
    ? RemoteEmitter<E>
    : R extends AsyncGenerator<infer Y, infer Return>
      ? RemoteStream<Y, Return>
      : R extends AsyncIterable<infer Y>
        ? RemoteStream<Y>
        : R

type RemoteFunction<A extends readonly unknown[], R> = (
  ...args: RemoteArgs<A>
) => Promise<RemoteResult<Awaited<R>>>

/** The call signatures of a remote function; up to three overloads are kept. */
type RemoteCall<T> = T extends {
  (...args: infer A1): infer R1
  (...args: infer A2): infer R2
  (...args: infer A3): infer R3
}
  ? IsEqual<[A1, R1], [A3, R3]> extends true
    ? RemoteFunction<A3, R3>
    : IsEqual<[A1, R1], [A2, R2]> extends true
      ? RemoteFunction<A2, R2> & RemoteFunction<A3, R3>
      : RemoteFunction<A1, R1> & RemoteFunction<A2, R2> & RemoteFunction<A3, R3>
  : unknown

type RemoteConstruct<T> = T extends abstract new (
  ...args: infer A
) => infer I
  ? new (
      ...args: RemoteArgs<A>
    ) => Promise<Remote<I>>
  : unknown

/** How a member of type `V` looks through a remote. */
export type RemoteProperty<V> = [V] extends [AnyFunction | AnyConstructor]
  ? Remote<V>
  : [V] extends [EventEmitter<infer E>]
    ? Promise<RemoteEmitter<E>>
    : [V] extends [object]
      ? Promise<RemoteResult<V>> & RemoteObject<V>
      : Promise<V>

/** The members of a remote: every string key except `then` and `prototype`. */
export type RemoteObject<T> = {
  readonly [K in keyof T as K extends 'then' | 'prototype'
    ? never
    : K extends string
      ? K
      : never]-?: RemoteProperty<T[K]>
}

/**
 * The peer's `T` seen from this side: methods return promises of their awaited result, properties
 * read as promises, nested objects are reachable by path, `new remote.Klass()` resolves to a remote
 * instance, and `Symbol.dispose` releases it.
 */
export type Remote<T> = RemoteCall<T> &
  RemoteConstruct<T> &
  RemoteObject<T> &
  RemoteBrand<T> &
  Disposable
