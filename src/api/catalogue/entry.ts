/**
 * The shape of one catalogue entry: a REMOTE_PROGRAM procedure with its number, libvirt API name, XDR
 * args and ret, read-only rule, stream direction, and what serves it and calls it. The RPC server's
 * handler table, RemoteConnection's methods, the WebSocket method table and both read-only checks are
 * derived from these entries (index.ts). Builders live in bind.ts.
 */
import type { Connection } from '../../connection.js';
import type { Codec } from '../../remote/xdr-codec.js';
import type { CallContext } from '../../remote/server/dispatch-types.js';
import type { BigintShape, ParamSpec, TargetKind } from '../../ws/methods.js';

/** A Connection method that a procedure can bind to (every async method but close). */
export type MethodName = Exclude<
  {
    [K in keyof Connection]: Connection[K] extends (...a: never[]) => Promise<unknown> ? K : never;
  }[keyof Connection],
  'close'
>;
/** The parameters of Connection method M. */
export type ParamsOf<M extends MethodName> = Parameters<Connection[M]>;
/** What Connection method M resolves to. */
export type ResultOf<M extends MethodName> = Awaited<ReturnType<Connection[M]>>;

/**
 * libvirt's ACL for a read-only connection: `read` may be called, `write` is refused (the @acl is a
 * write-type permission such as domain:write or storage_pool:write), and `readUnlessFlag` is refused
 * only when the call's flags carry `flag` (DOMAIN_GET_XML_DESC with VIR_DOMAIN_XML_SECURE).
 */
export type Access = 'read' | 'write' | { readonly readUnlessFlag: number; readonly flagName: string };

/** Which way STREAM packets follow the reply: none, client to server, server to client, or both. */
export type StreamDirection = 'none' | 'in' | 'out' | 'both';

/** How the WebSocket JSON-RPC API offers the bound Connection method (one row of its method table). */
export interface WsExposure {
  /** The JSON-RPC method name, e.g. `domain.suspend`. */
  readonly name: string;
  readonly target: TargetKind;
  readonly params: readonly ParamSpec[];
  readonly bigints?: BigintShape;
}

/** What a client-side function of an entry may do: send its own procedure, others, and ask the host. */
export interface ClientCalls<A, R> {
  /** Sends this entry's procedure with `args` and decodes its ret. */
  send(args: A): Promise<R>;
  /** Sends another entry's procedure. */
  call<A2, R2>(entry: Entry<number, A2, R2>, args: A2): Promise<R2>;
  /** The server's host CPU count (cached per connection), to size CPU bitmaps. */
  hostCpuCount(): Promise<number>;
  /** The connection itself, for methods built from other methods. */
  readonly conn: Connection;
}

/** The transport a RemoteConnection gives the catalogue's client functions. */
export interface RemoteCalls {
  call<A2, R2>(entry: Entry<number, A2, R2>, args: A2): Promise<R2>;
  hostCpuCount(): Promise<number>;
  readonly conn: Connection;
}

/** How RemoteConnection calls an entry's procedure for its bound method. */
export interface ClientBinding {
  /** Present when this procedure is sent only while parameter `unlessGiven` of the method is undefined. */
  readonly unlessGiven?: number;
  /** Runs the method: the method's parameters in, its result out. */
  run(calls: RemoteCalls, params: unknown[]): Promise<unknown>;
}

/** One procedure of the catalogue. */
export interface Entry<N extends number = number, A = unknown, R = unknown> {
  /** REMOTE_PROC_* number. */
  readonly proc: N;
  /** The public libvirt API behind the procedure, e.g. virDomainSuspend (read-only refusals name it). */
  readonly api: string;
  readonly args: Codec<A>;
  readonly ret: Codec<R>;
  readonly access: Access;
  readonly stream: StreamDirection;
  /** The Connection method this procedure implements, where it implements one. */
  readonly method?: MethodName;
  /** The server side: decoded args in, ret out. */
  readonly serve: (ctx: CallContext, args: A) => Promise<R>;
  /** The client side of `method`, when RemoteConnection sends this procedure for it. */
  readonly client?: ClientBinding;
  /** The WebSocket row of `method`, when the WebSocket API offers it. */
  readonly ws?: WsExposure;
}

/** Any entry, whatever its codecs. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Codec is invariant; `any` admits every entry.
export type AnyEntry = Entry<number, any, any>;
