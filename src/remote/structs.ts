/**
 * The procedure table: for each REMOTE_PROGRAM procedure tsvirt speaks, the codec of its *_args and of
 * its *_ret, so a client encodes args / decodes rets and a server decodes args / encodes rets with the
 * same declaration. Asynchronous MESSAGE bodies (events) have their own table.
 */
import { Procedure } from './protocol.js';
import { decodeWith, encodeWith, type Codec, type ValueOf } from './xdr-codec.js';
import { hostProcedures } from './structs-host.js';
import {
  domainEventCallbackLifecycleMsg,
  domainEventLifecycleMsg,
  domainProcedures,
} from './structs-domain.js';
import { poolEventLifecycleMsg, storageProcedures } from './structs-storage.js';
import { legacyProcedures } from './structs-legacy.js';
import { streamProcedures } from './structs-stream.js';

export * from './structs-common.js';
export * from './structs-host.js';
export * from './structs-domain.js';
export * from './structs-storage.js';
export * from './structs-legacy.js';
export * from './structs-stream.js';

/** Codecs of every call-and-reply procedure, keyed by procedure number. */
export const procedureCodecs = {
  ...hostProcedures,
  ...domainProcedures,
  ...storageProcedures,
  ...legacyProcedures,
  ...streamProcedures,
} as const;
/** A procedure number that has codecs in the table. */
export type KnownProcedure = keyof typeof procedureCodecs;
/** The decoded *_args value of procedure P. */
export type ArgsOf<P extends KnownProcedure> = ValueOf<(typeof procedureCodecs)[P]['args']>;
/** The decoded *_ret value of procedure P. */
export type RetOf<P extends KnownProcedure> = ValueOf<(typeof procedureCodecs)[P]['ret']>;

/** Codecs of the MESSAGE (event) bodies, keyed by procedure number. */
export const messageCodecs = {
  [Procedure.DOMAIN_EVENT_CALLBACK_LIFECYCLE]: domainEventCallbackLifecycleMsg,
  [Procedure.DOMAIN_EVENT_LIFECYCLE]: domainEventLifecycleMsg,
  [Procedure.STORAGE_POOL_EVENT_LIFECYCLE]: poolEventLifecycleMsg,
} as const;
/** A MESSAGE procedure number with a codec. */
export type KnownMessage = keyof typeof messageCodecs;
/** The decoded body of MESSAGE procedure P. */
export type MessageOf<P extends KnownMessage> = ValueOf<(typeof messageCodecs)[P]>;

/** Whether `proc` has args/ret codecs. */
export function isKnownProcedure(proc: number): proc is KnownProcedure {
  return Object.prototype.hasOwnProperty.call(procedureCodecs, proc);
}

/** Encodes the *_args of procedure `proc` (client side). */
export function encodeArgs<P extends KnownProcedure>(proc: P, value: ArgsOf<P>): Buffer {
  return encodeWith(procedureCodecs[proc].args as never, value as never);
}

/** Decodes the *_args of procedure `proc` (server side); trailing bytes are an error. */
export function decodeArgs<P extends KnownProcedure>(proc: P, payload: Buffer): ArgsOf<P> {
  return decodeWith(procedureCodecs[proc].args as Codec<unknown>, payload) as ArgsOf<P>;
}

/** Encodes the *_ret of procedure `proc` (server side). */
export function encodeRet<P extends KnownProcedure>(proc: P, value: RetOf<P>): Buffer {
  return encodeWith(procedureCodecs[proc].ret as never, value as never);
}

/** Decodes the *_ret of procedure `proc` (client side); trailing bytes are an error. */
export function decodeRet<P extends KnownProcedure>(proc: P, payload: Buffer): RetOf<P> {
  return decodeWith(procedureCodecs[proc].ret as Codec<unknown>, payload) as RetOf<P>;
}

/** Encodes the body of MESSAGE procedure `proc` (server side). */
export function encodeMessage<P extends KnownMessage>(proc: P, value: MessageOf<P>): Buffer {
  return encodeWith(messageCodecs[proc] as never, value as never);
}

/** Decodes the body of MESSAGE procedure `proc` (client side). */
export function decodeMessage<P extends KnownMessage>(proc: P, payload: Buffer): MessageOf<P> {
  return decodeWith(messageCodecs[proc] as Codec<unknown>, payload) as MessageOf<P>;
}
