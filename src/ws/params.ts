/**
 * Checks and converts the named params of one JSON-RPC call against its row of the method table. Pure:
 * target keys are only picked out here; the dispatcher resolves them through the connection.
 */
import { TsvirtError } from '../errors.js';
import type { ParamSpec, ParamType, TargetKind } from './methods.js';

/** The keys each target kind reads from the params. */
export const TARGET_KEYS: Readonly<Record<TargetKind, readonly string[]>> = {
  none: [],
  domain: ['name', 'uuid', 'id'],
  pool: ['name', 'uuid'],
  volume: ['pool', 'name', 'path', 'key'],
  poolOf: ['pool'],
  network: ['name', 'uuid'],
};

const paramErrors = new WeakSet<TsvirtError>();

/** A param that does not fit its spec; becomes JSON-RPC error -32602. */
export function invalidParam(method: string, field: string, value: unknown, expected: string): TsvirtError {
  const err = new TsvirtError('ERR_INVALID_ARG', `${method}: param '${field}' must be ${expected}`, {
    field,
    value,
    expected,
  });
  paramErrors.add(err);
  return err;
}

/** Whether an error came from invalidParam (a params shape error, not one of the call itself). */
export function isParamError(err: unknown): boolean {
  return err instanceof TsvirtError && paramErrors.has(err);
}

/** Rejects keys that neither the target nor a param of the method names. */
export function checkKnownKeys(
  method: string,
  params: Record<string, unknown>,
  target: TargetKind,
  specs: readonly ParamSpec[],
): void {
  const known = new Set([...TARGET_KEYS[target], ...specs.map((s) => s.name)]);
  for (const key of Object.keys(params)) {
    if (!known.has(key)) {
      throw invalidParam(method, key, params[key], `one of: ${[...known].join(', ') || '(no params)'}`);
    }
  }
}

/** The method's positional arguments after the target, converted from JSON (volume params left raw). */
export function decodeArgs(
  method: string,
  params: Record<string, unknown>,
  specs: readonly ParamSpec[],
): unknown[] {
  const args: unknown[] = [];
  for (const spec of specs) {
    const value = params[spec.name];
    if (value === undefined || value === null) {
      if (!spec.optional) throw invalidParam(method, spec.name, value, `given (${spec.type})`);
      args.push(undefined);
      continue;
    }
    args.push(decodeValue(method, spec.name, spec.type, value));
  }
  while (args.length > 0 && args[args.length - 1] === undefined) args.pop();
  return args;
}

function decodeValue(method: string, field: string, type: ParamType, value: unknown): unknown {
  switch (type) {
    case 'string':
      if (typeof value === 'string') return value;
      break;
    case 'int':
      if (Number.isSafeInteger(value)) return value;
      break;
    case 'boolean':
      if (typeof value === 'boolean') return value;
      break;
    case 'int[]':
      if (Array.isArray(value) && value.every((v) => Number.isSafeInteger(v))) return value;
      break;
    case 'bigint':
      if (typeof value === 'string' && /^-?\d{1,20}$/.test(value)) return BigInt(value);
      if (Number.isSafeInteger(value)) return BigInt(value as number);
      return fail(method, field, value, 'an integer as a decimal string');
    case 'volume':
      if (typeof value === 'object' && !Array.isArray(value)) return value;
      return fail(method, field, value, 'a volume: { "pool", "name" }, { "path" } or { "key" }');
  }
  return fail(method, field, value, `of type ${type}`);
}

function fail(method: string, field: string, value: unknown, expected: string): never {
  throw invalidParam(method, field, value, expected);
}

/** A string-valued key of the params, or undefined when absent; throws when present with another type. */
export function pickString(method: string, params: Record<string, unknown>, key: string): string | undefined {
  const value = params[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalidParam(method, key, value, 'a string');
  return value;
}
