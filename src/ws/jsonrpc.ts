/**
 * JSON-RPC 2.0 framing for the WebSocket API: parsing one text message into a request, and building
 * responses, error objects and notifications. Pure; bigints are written as decimal strings.
 */
import { TsvirtError, isTsvirtError } from '../errors.js';
import { libvirtErrorFor } from '../remote/error-map.js';
import { replaceBigint } from './methods.js';

/** JSON-RPC 2.0 error codes (the spec's reserved range, and -32000 for errors of the call itself). */
export const RpcErrorCode = {
  PARSE_ERROR: -32700, // the message is not JSON
  INVALID_REQUEST: -32600, // JSON, but not a JSON-RPC 2.0 request object
  METHOD_NOT_FOUND: -32601, // no such method
  INVALID_PARAMS: -32602, // params of the wrong shape
  INTERNAL_ERROR: -32603, // a fault of tsvirt itself
  SERVER_ERROR: -32000, // the Connection method failed; data.code says how
} as const;

/** A request id: JSON-RPC allows strings, numbers and null. */
export type RpcId = string | number | null;

/** A parsed request; `id` is undefined for a notification (no reply expected). */
export interface RpcRequest {
  id: RpcId | undefined;
  method: string;
  params: Record<string, unknown>;
}

/** The `error` member of a response; `data` carries tsvirt's stable code and libvirt's numbers. */
export interface RpcErrorObject {
  code: number;
  message: string;
  data: { code: string; fields: Record<string, unknown>; libvirtCode: number; libvirtDomain: number };
}

/** Either a request or the error response the message deserves. */
export type ParsedMessage = { ok: true; request: RpcRequest } | { ok: false; reply: string };

/** Parse one text message; never throws. */
export function parseMessage(text: string): ParsedMessage {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch (err) {
    const e = new TsvirtError('ERR_INVALID_ARG', `message is not JSON (${(err as Error).message})`);
    return { ok: false, reply: encodeError(null, RpcErrorCode.PARSE_ERROR, e) };
  }
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
    return invalidRequest(null, 'a JSON-RPC 2.0 request must be an object (batches are not supported)');
  }
  const m = msg as Record<string, unknown>;
  const id = isRpcId(m.id) ? m.id : null;
  if (m.id !== undefined && !isRpcId(m.id))
    return invalidRequest(null, "'id' must be a string, number or null");
  if (m.jsonrpc !== '2.0') return invalidRequest(id, '\'jsonrpc\' must be "2.0"');
  if (typeof m.method !== 'string') return invalidRequest(id, "'method' must be a string");
  if (
    m.params !== undefined &&
    (typeof m.params !== 'object' || m.params === null || Array.isArray(m.params))
  ) {
    const e = new TsvirtError('ERR_INVALID_ARG', `${m.method}: 'params' must be an object of named params`, {
      field: 'params',
      expected: 'object',
    });
    return { ok: false, reply: encodeError(id, RpcErrorCode.INVALID_PARAMS, e) };
  }
  const params = (m.params ?? {}) as Record<string, unknown>;
  return { ok: true, request: { id: m.id === undefined ? undefined : id, method: m.method, params } };
}

function isRpcId(value: unknown): value is RpcId {
  return value === null || typeof value === 'string' || Number.isFinite(value);
}

function invalidRequest(id: RpcId, message: string): ParsedMessage {
  const e = new TsvirtError('ERR_INVALID_ARG', `invalid JSON-RPC request: ${message}`);
  return { ok: false, reply: encodeError(id, RpcErrorCode.INVALID_REQUEST, e) };
}

/** A success response. */
export function encodeResult(id: RpcId, result: unknown): string {
  return JSON.stringify({ jsonrpc: '2.0', id, result: result === undefined ? null : result }, replaceBigint);
}

/** An error response from any thrown value; non-TsvirtErrors become ERR_INTERNAL. */
export function encodeError(id: RpcId, rpcCode: number, err: unknown): string {
  return JSON.stringify({ jsonrpc: '2.0', id, error: buildErrorObject(rpcCode, err) }, replaceBigint);
}

/** The error object for a thrown value. */
export function buildErrorObject(rpcCode: number, err: unknown): RpcErrorObject {
  const e = isTsvirtError(err)
    ? err
    : new TsvirtError('ERR_INTERNAL', `internal error: ${(err as Error)?.message ?? String(err)}`);
  const lv = libvirtErrorFor(e.code);
  const code = isTsvirtError(err) ? rpcCode : RpcErrorCode.INTERNAL_ERROR;
  return {
    code,
    message: e.message,
    data: { code: e.code, fields: e.fields, libvirtCode: lv.number, libvirtDomain: lv.domain },
  };
}

/** A notification (no id). */
export function encodeNotification(method: string, params: unknown): string {
  return JSON.stringify({ jsonrpc: '2.0', method, params }, replaceBigint);
}
