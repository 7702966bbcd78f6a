/**
 * Runs one JSON-RPC request of the method table against a Connection: access check, params, target,
 * call, and the reply text. Holds no VM logic; every call is one Connection method.
 */
import type { Connection } from '../connection.js';
import { TsvirtError } from '../errors.js';
import { checkAccess } from './access.js';
import { RpcErrorCode, encodeError, encodeResult, type RpcId, type RpcRequest } from './jsonrpc.js';
import { METHODS } from './methods.js';
import { checkKnownKeys, decodeArgs, isParamError } from './params.js';
import { resolveTarget, resolveVolume } from './targets.js';

/** Whether the table (or the session) knows a method name. */
export function isKnownMethod(method: string): boolean {
  return Object.hasOwn(METHODS, method);
}

/** The reply text for a table method, or undefined for a notification (no id). */
export async function dispatchRequest(
  conn: Connection,
  request: RpcRequest,
  readOnly: boolean,
): Promise<string | undefined> {
  const reply = await runRequest(conn, request, readOnly);
  return request.id === undefined ? undefined : reply(request.id);
}

async function runRequest(
  conn: Connection,
  request: RpcRequest,
  readOnly: boolean,
): Promise<(id: RpcId) => string> {
  const { method, params } = request;
  const spec = METHODS[method];
  if (spec === undefined || !isKnownMethod(method)) {
    return (id) => encodeError(id, RpcErrorCode.METHOD_NOT_FOUND, notFound(method));
  }
  let args: unknown[];
  try {
    checkAccess(spec.call, readOnly, method, params.flags);
    checkKnownKeys(method, params, spec.target, spec.params);
    args = decodeArgs(method, params, spec.params);
  } catch (err) {
    const code = isParamError(err) ? RpcErrorCode.INVALID_PARAMS : RpcErrorCode.SERVER_ERROR;
    return (id) => encodeError(id, code, err);
  }
  try {
    const target = await resolveTarget(conn, method, spec.target, params);
    const volumeAt = spec.params.findIndex((p) => p.type === 'volume');
    if (volumeAt >= 0) {
      args[volumeAt] = await resolveVolume(
        conn,
        method,
        args[volumeAt] as Record<string, unknown>,
        'the source',
      );
    }
    const fn = conn[spec.call] as (...a: unknown[]) => Promise<unknown>;
    const result = await fn.apply(conn, target === undefined ? args : [target, ...args]);
    return (id) => encodeResult(id, result);
  } catch (err) {
    const code = isParamError(err) ? RpcErrorCode.INVALID_PARAMS : RpcErrorCode.SERVER_ERROR;
    return (id) => encodeError(id, code, err);
  }
}

function notFound(method: string): TsvirtError {
  return new TsvirtError(
    'ERR_NOT_SUPPORTED',
    `${method}: no such method; call a name of the method table (for example listAllDomains, domain.getInfo)`,
    { field: 'method', value: method },
  );
}
