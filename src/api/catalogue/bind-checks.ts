/**
 * Compile-time checks of a `bound` catalogue entry against the Connection interface: which ret
 * mappings fit the method's result, and whether the args fields given as params fit its parameters in
 * both directions (server: decoded args into the call; client: the caller's parameters into the args).
 * A failed check names itself in the compiler's message.
 */
import type { MethodName, ParamsOf, ResultOf } from './entry.js';

/** A field name of a struct value. */
export type Field<A> = Extract<keyof A, string>;

/**
 * Whether RemoteConnection sends this procedure for the method: `always` (the default), `flagsOmitted`
 * (only while the method's parameter after `params` is undefined; a sibling entry takes the call
 * otherwise), or `none` (served only; the client sends another procedure).
 */
export type ClientMode = 'always' | 'flagsOmitted' | 'none';

/** A ret mapping by hand: `toRet` on the server (it sees the args too), `fromRet` on the client. */
export type CustomResult<A, R, M extends MethodName, C extends ClientMode> = {
  toRet: (result: ResultOf<M>, args: A) => R;
} & (C extends 'none' ? { fromRet?: never } : { fromRet: (ret: R) => ResultOf<M> });

/** True when the two types are assignable both ways. */
type Same<X, Y> = [X] extends [Y] ? ([Y] extends [X] ? true : false) : false;

/**
 * How the method's result maps to the ret. Only the mappings that type-check are offered: `void` (an
 * empty ret), `whole` (the ret is the result), a field name (the ret is `{ field: result }`), or a
 * CustomResult. Where the client is used, each mapping must also hold from the ret back to the result.
 */
export type ResultMap<A, R, M extends MethodName, C extends ClientMode> =
  | ([R] extends [void]
      ? C extends 'none'
        ? 'void'
        : undefined extends ResultOf<M>
          ? 'void'
          : never
      : never)
  | (C extends 'none'
      ? [ResultOf<M>] extends [R]
        ? 'whole'
        : never
      : Same<ResultOf<M>, R> extends true
        ? 'whole'
        : never)
  | {
      [K in Field<R>]: [{ [k in K]: ResultOf<M> }] extends [R]
        ? C extends 'none'
          ? K
          : [R[K]] extends [ResultOf<M>]
            ? K
            : never
        : never;
    }[Field<R>]
  | CustomResult<A, R, M, C>;

/** A NULL on the wire (remote_string) reaches the method as undefined. */
type ServerValue<T> = null extends T ? Exclude<T, null> | undefined : T;
/** The method arguments the server builds from the args fields P. */
type ServerArgs<A, P extends readonly unknown[]> = {
  -readonly [I in keyof P]: ServerValue<A[P[I] & keyof A]>;
};
/** Whether every method parameter the client passes fits its args field (undefined becomes zero). */
type ClientFits<A, P extends readonly unknown[], Q extends readonly unknown[]> = false extends {
  [I in keyof P]: I extends keyof Q
    ? [Exclude<Q[I], undefined>] extends [Exclude<A[P[I] & keyof A], null>]
      ? true
      : false
    : false;
}[number]
  ? false
  : true;

/** `unknown` when `Ok`, else an object whose one required key is the message (a compile error). */
type Need<Ok, Msg extends string> = [Ok] extends [true] ? unknown : { [k in Msg]: never };

/** The compile-time checks of `params` against the method's parameters, both ways. */
export type ParamsChecks<A, M extends MethodName, P extends readonly Field<A>[], C extends ClientMode> = Need<
  ServerArgs<A, P> extends ParamsOf<M> ? true : false,
  `the args fields given as params do not fit the parameters of ${M}`
> &
  (C extends 'none'
    ? unknown
    : Need<
        ClientFits<A, P, ParamsOf<M>>,
        `the parameters of ${M} do not fit the args fields given as params`
      >) &
  (C extends 'always'
    ? Need<
        Required<ParamsOf<M>>['length'] extends P['length'] ? true : false,
        `params must take every parameter of ${M}`
      >
    : unknown);
