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
import type { ClientMode, CustomResult, Field, ParamsChecks, ResultMap } from './bind-checks.js';

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
