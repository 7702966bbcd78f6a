/** What a procedure handler receives and returns; the table itself is in dispatch-table.ts. */
import type { Readable, Writable } from 'node:stream';
import type { Connection } from '../../connection.js';
import type { PacketHeader } from '../packet.js';
import type { ArgsOf, KnownProcedure, RetOf } from '../structs.js';
import type { ClientEvents } from './events.js';

/** The per-client state a handler may read or change. */
export interface ClientContext {
  /** Whether mutating procedures are refused (the ro socket, or VIR_CONNECT_RO at open). */
  readonly readOnly: boolean;
  /** Whether CONNECT_OPEN has succeeded (and no second open has failed since). */
  readonly isOpen: boolean;
  /** The name given to CONNECT_OPEN (null when the client sent NULL). */
  readonly openName: string | null;
  /** The client's event registrations. */
  readonly events: ClientEvents;
  /** Records a successful CONNECT_OPEN. */
  markOpen(name: string | null, readOnly: boolean): void;
  /** Treats the connection as not open (libvirtd does so after a second CONNECT_OPEN). */
  markNotOpen(): void;
  /** Closes the socket once the reply of the current call is written (CONNECT_CLOSE). */
  closeAfterReply(): void;
  /** Starts server-side keepalive pings (the client asked for feature PROGRAM_KEEPALIVE). */
  startKeepalive(): void;
  /** Whether descriptors can travel on this connection (a unix socket): libvirt's FD_PASSING feature. */
  readonly canPassFds: boolean;
  /** Aborted when the client's connection closes (libvirt's close callbacks hang on it). */
  readonly gone: AbortSignal;
  /** The address the client reached this server at (TCP and TLS; undefined on a unix socket). */
  readonly localAddress?: string;
  /** Sends `fds` with the reply to `header` (REPLY_WITH_FDS); the session closes them once sent. */
  attachFds(header: PacketHeader, fds: number[]): void;
  /** After the reply to `header` is written, carries STREAM packets between the client and `data`. */
  attachStream(header: PacketHeader, data: StreamEndpoint): void;
  /** The daemon's log. */
  log(level: 'debug' | 'info' | 'warn' | 'error', msg: string): void;
}

/** The server side of one stream: where its bytes come from and go to, and when its work is done. */
export interface StreamEndpoint {
  /** Bytes for the client (console output, a volume download). */
  source?: Readable;
  /** Where the client's bytes go (console input, a volume upload). */
  sink?: Writable;
  /** Settles when the work behind the stream is done (the upload written); awaited before the finish confirm. */
  done?: Promise<void>;
  /** Releases everything (the client aborted, or went away). */
  close(): void;
}

/** One call in flight. */
export interface CallContext {
  readonly conn: Connection;
  readonly client: ClientContext;
  readonly header: PacketHeader;
}

/** A handler: decoded args in, ret out (encoded by the caller). */
export type Handler<Q extends KnownProcedure> = (ctx: CallContext, args: ArgsOf<Q>) => Promise<RetOf<Q>>;

/** Handlers keyed by procedure number. */
export type HandlerTable = { [Q in KnownProcedure]?: Handler<Q> };
