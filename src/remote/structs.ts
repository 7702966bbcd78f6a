/**
 * Codec lookups by procedure number: for each REMOTE_PROGRAM procedure tsvirt speaks, the codec of its
 * *_args and of its *_ret, so a client encodes args / decodes rets and a server decodes args / encodes
 * rets with the same declaration. The declarations are the API catalogue's (src/api/catalogue/); the
 * shared structs (object refs, remote_error) are in structs-common.ts. MESSAGE bodies have their own table.
 */
import {
  CATALOGUE,
  messageCodecs,
  type CatalogueArgs,
  type CatalogueProcedure,
  type CatalogueRet,
} from '../api/catalogue/index.js';
import { decodePrefix, decodeWith, encodeWith, type Codec, type ValueOf } from './xdr-codec.js';

export * from './structs-common.js';
export { messageCodecs };

/** Codecs of every call-and-reply procedure (the catalogue entries), keyed by procedure number. */
export const procedureCodecs = CATALOGUE;
/** A procedure number that has codecs in the table. */
export type KnownProcedure = CatalogueProcedure;
/** The decoded *_args value of procedure P. */
export type ArgsOf<P extends KnownProcedure> = CatalogueArgs<P>;
/** The decoded *_ret value of procedure P. */
export type RetOf<P extends KnownProcedure> = CatalogueRet<P>;

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

/** Decodes the *_args of procedure `proc` (server side); bytes after them are ignored, as libvirtd does. */
export function decodeArgs<P extends KnownProcedure>(proc: P, payload: Buffer): ArgsOf<P> {
  return decodePrefix(procedureCodecs[proc].args as Codec<unknown>, payload) as ArgsOf<P>;
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
