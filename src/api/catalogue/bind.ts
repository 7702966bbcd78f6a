/**
 * The two ways to declare a catalogue entry. `bound` covers a procedure that is one Connection call:
 * it names the method, the args fields passed as its parameters (in order) and where its result goes in
 * the ret, and both the server handler and RemoteConnection's call are derived. `served` takes a
 * hand-written handler (and, where RemoteConnection sends it, a client function) for the rest.
 * Both are typed against the Connection interface: a change to a method's signature fails to compile in
 * the entry that binds it.
 */
import { TsvirtError } from '../../errors.js';
import type { Codec, CodecShape } from '../../remote/xdr-codec.js';
import type { CallContext } from '../../remote/server/dispatch-types.js';
import type {
  Access,
  ClientBinding,
  ClientCalls,
  Entry,
  MethodName,
  ParamsOf,
  ResultOf,
  StreamDirection,
  WsExposure,
} from './entry.js';

/** A field name of a struct value. */
type Field<A> = Extract<keyof A, string>;

/** What every entry declares. */
interface Common<A, R> {
  api: string;
  access: Access;
  args: Codec<A>;
  ret: Codec<R>;
  /** Default `none`. */
  stream?: StreamDirection;
  ws?: WsExposure;
}

/**
 * Whether RemoteConnection sends this procedure for the method: `always` (the default), `flagsOmitted`
 * (only while the method's parameter after `params` is undefined; a sibling entry takes the call
 * otherwise), or `none` (served only; the client sends another procedure).
 */
type ClientMode = 'always' | 'flagsOmitted' | 'none';

/** A ret mapping by hand: `toRet` on the server (it sees the args too), `fromRet` on the client. */
type CustomResult<A, R, M extends MethodName, C extends ClientMode> = {
  toRet: (result: ResultOf<M>, args: A) => R;
} & (C extends 'none' ? { fromRet?: never } : { fromRet: (ret: R) => ResultOf<M> });

/** True when the two types are assignable both ways. */
type Same<X, Y> = [X] extends [Y] ? ([Y] extends [X] ? true : false) : false;

/**
 * How the method's result maps to the ret. Only the mappings that type-check are offered: `void` (an
 * empty ret), `whole` (the ret is the result), a field name (the ret is `{ field: result }`), or a
 * CustomResult. Where the client is used, each mapping must also hold from the ret back to the result.
 */
type ResultMap<A, R, M extends MethodName, C extends ClientMode> =
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

/** The declaration of a procedure that is one Connection call. */
interface BoundSpec<
  A,
  R,
  M extends MethodName,
  P extends readonly Field<A>[],
  C extends ClientMode,
> extends Common<A, R> {
  method: M;
  /** The args fields passed to the method, in its parameter order; other fields are not passed. */
  params: P;
  result: ResultMap<A, R, M, C>;
  /** Values the client sends in the args fields that are not parameters (default: zero, NULL). */
  fixed?: Partial<Omit<A, P[number]>>;
  client?: C;
}

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
type ParamsChecks<A, M extends MethodName, P extends readonly Field<A>[], C extends ClientMode> = Need<
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

type AnyFn = (...a: unknown[]) => Promise<unknown>;

/** Declares a procedure that is one Connection call; its server handler and client call are derived. */
export function bound<
  const N extends number,
  A,
  R,
  M extends MethodName,
  const P extends readonly Field<A>[],
  C extends ClientMode = 'always',
>(proc: N, spec: BoundSpec<A, R, M, P, C> & ParamsChecks<A, M, P, C>): Entry<N, A, R> {
  const { method, params, result } = spec;
  const toRet = (res: unknown, args: A): R => {
    if (result === 'void') return undefined as R;
    if (result === 'whole') return res as R;
    if (typeof result === 'string') return { [result]: res } as R;
    return (result as CustomResult<A, R, M, 'always'>).toRet(res as ResultOf<M>, args);
  };
  const fromRet = (ret: R): unknown => {
    if (result === 'void') return undefined;
    if (result === 'whole') return ret;
    if (typeof result === 'string') return (ret as Record<string, unknown>)[result];
    return (result as CustomResult<A, R, M, 'always'>).fromRet(ret);
  };
  const serve = async (ctx: CallContext, args: A): Promise<R> => {
    const fields = args as Record<string, unknown>;
    const values = params.map((k) => (fields[k] === null ? undefined : fields[k]));
    const fn = ctx.conn[method] as AnyFn;
    return toRet(await fn.apply(ctx.conn, values), args);
  };
  const entry: Entry<N, A, R> = { ...common(proc, spec), method, serve };
  const mode: ClientMode = spec.client ?? 'always';
  if (mode === 'none') return entry;
  const fixed = (spec.fixed ?? {}) as Record<string, unknown>;
  const client: ClientBinding = {
    ...(mode === 'flagsOmitted' ? { unlessGiven: params.length } : {}),
    run: async (calls, values) =>
      fromRet(await calls.call(entry, buildArgs(spec.args, params, values, fixed))),
  };
  return { ...entry, client };
}

/** The declaration of a procedure served by hand. */
interface ServedSpec<A, R, M extends MethodName> extends Common<A, R> {
  serve: (ctx: CallContext, args: A) => Promise<R>;
  /** The Connection method the procedure implements, if any. */
  method?: M;
  /** RemoteConnection's `method`, when it sends this procedure for it. */
  client?: (calls: ClientCalls<A, R>, ...params: ParamsOf<M>) => Promise<ResultOf<M>>;
  /** With `client`: send this procedure only while parameter `unlessGiven` is undefined. */
  unlessGiven?: number;
}

/** Declares a procedure with a hand-written handler (not one call, or no Connection method at all). */
export function served<const N extends number, A, R, M extends MethodName = never>(
  proc: N,
  spec: ServedSpec<A, R, M>,
): Entry<N, A, R> {
  const entry: Entry<N, A, R> = {
    ...common(proc, spec),
    serve: spec.serve,
    ...(spec.method === undefined ? {} : { method: spec.method }),
  };
  const fn = spec.client;
  if (fn === undefined) return entry;
  const client: ClientBinding = {
    ...(spec.unlessGiven === undefined ? {} : { unlessGiven: spec.unlessGiven }),
    run: (calls, values) => {
      const own: ClientCalls<A, R> = { ...calls, send: (args) => calls.call(entry, args) };
      return (fn as (c: ClientCalls<A, R>, ...p: unknown[]) => Promise<unknown>)(own, ...values);
    },
  };
  return { ...entry, client };
}

function common<N extends number, A, R>(proc: N, spec: Common<A, R>): Entry<N, A, R> {
  return {
    proc,
    api: spec.api,
    args: spec.args,
    ret: spec.ret,
    access: spec.access,
    stream: spec.stream ?? 'none',
    ...(spec.ws === undefined ? {} : { ws: spec.ws }),
  } as Entry<N, A, R>;
}

/** The client's args: parameters into their fields, `fixed` into the rest, zero where nothing is given. */
function buildArgs<A>(
  codec: Codec<A>,
  params: readonly string[],
  values: unknown[],
  fixed: Record<string, unknown>,
): A {
  if (codec.shape.kind !== 'struct') return undefined as A;
  const out: Record<string, unknown> = {};
  for (const [name, shape] of codec.shape.fields) {
    const at = params.indexOf(name);
    const value = at >= 0 ? values[at] : fixed[name];
    out[name] = value === undefined ? zeroOf(name, shape) : value;
  }
  return out as A;
}

/** The value an omitted optional parameter is sent as: 0, 0n, false or NULL. */
function zeroOf(name: string, shape: CodecShape): unknown {
  switch (shape.kind) {
    case 'int':
    case 'uint':
      return 0;
    case 'hyper':
    case 'uhyper':
      return 0n;
    case 'intBool':
      return false;
    case 'optional':
      return null;
    default:
      throw new TsvirtError('ERR_INVALID_ARG', `args field '${name}' has no default; pass a value`, {
        field: name,
        value: undefined,
        expected: shape.kind,
      });
  }
}
