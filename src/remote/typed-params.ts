/**
 * libvirt's typed parameters (remote_typed_param): named values of one of seven types, which
 * migration, job stats, block and interface stats, bulk domain stats and tunables carry. The wire
 * codecs, and converters between the wire form and a `{ name, type, value }` list or a record. Pure.
 *
 * The limits live here, not in protocol.ts's `Limit`, while that table is being reorganised.
 */
import { TsvirtError } from '../errors.js';
import { Limit } from './protocol.js';
import type { TypedParam, TypedParamTypeName, TypedParamValues } from '../api/types.js';
import {
  xdrArray,
  xdrDouble,
  xdrHyper,
  xdrInt,
  xdrNonnullString,
  xdrStruct,
  xdrUhyper,
  xdrUint,
  xdrUnion,
  type Codec,
  type ValueOf,
} from './xdr-codec.js';

/** virTypedParameterType: the discriminant of remote_typed_param_value. */
export const TypedParamType = {
  INT: 1, // VIR_TYPED_PARAM_INT: int, arm `i`
  UINT: 2, // VIR_TYPED_PARAM_UINT: unsigned int, arm `ui`
  LLONG: 3, // VIR_TYPED_PARAM_LLONG: hyper, arm `l`
  ULLONG: 4, // VIR_TYPED_PARAM_ULLONG: unsigned hyper, arm `ul`
  DOUBLE: 5, // VIR_TYPED_PARAM_DOUBLE: double, arm `d`
  BOOLEAN: 6, // VIR_TYPED_PARAM_BOOLEAN: int, non-zero is true, arm `b`
  STRING: 7, // VIR_TYPED_PARAM_STRING: remote_nonnull_string, arm `s`
} as const;

/** VIR_TYPED_PARAM_FIELD_LENGTH: the C buffer of a parameter name, its NUL included. */
export const TYPED_PARAM_FIELD_LENGTH = 80;
/** The longest parameter name in UTF-8 bytes: the buffer less its NUL. */
export const TYPED_PARAM_FIELD_MAX_BYTES = TYPED_PARAM_FIELD_LENGTH - 1;

/** Each procedure's bound on its typed-parameter array (REMOTE_*_MAX in remote_protocol.x). */
export const TypedParamLimit = {
  SCHEDULER_PARAMETERS_MAX: 16, // REMOTE_DOMAIN_SCHEDULER_PARAMETERS_MAX
  BLKIO_PARAMETERS_MAX: 16, // REMOTE_DOMAIN_BLKIO_PARAMETERS_MAX
  MEMORY_PARAMETERS_MAX: 16, // REMOTE_DOMAIN_MEMORY_PARAMETERS_MAX
  BLOCK_IO_TUNE_PARAMETERS_MAX: 32, // REMOTE_DOMAIN_BLOCK_IO_TUNE_PARAMETERS_MAX
  NUMA_PARAMETERS_MAX: 16, // REMOTE_DOMAIN_NUMA_PARAMETERS_MAX
  PERF_EVENTS_MAX: 64, // REMOTE_DOMAIN_PERF_EVENTS_MAX
  BLOCK_COPY_PARAMETERS_MAX: 16, // REMOTE_DOMAIN_BLOCK_COPY_PARAMETERS_MAX
  BLOCK_STATS_PARAMETERS_MAX: 16, // REMOTE_DOMAIN_BLOCK_STATS_PARAMETERS_MAX: virDomainBlockStatsFlags
  INTERFACE_PARAMETERS_MAX: 16, // REMOTE_DOMAIN_INTERFACE_PARAMETERS_MAX
  GET_CPU_STATS_MAX: 2048, // REMOTE_DOMAIN_GET_CPU_STATS_MAX: all CPUs' stats together
  NODE_MEMORY_PARAMETERS_MAX: 64, // REMOTE_NODE_MEMORY_PARAMETERS_MAX
  MIGRATE_PARAM_LIST_MAX: 64, // REMOTE_DOMAIN_MIGRATE_PARAM_LIST_MAX: the Migrate*3 procedures
  JOB_STATS_MAX: 64, // REMOTE_DOMAIN_JOB_STATS_MAX: virDomainGetJobStats
  GET_ALL_DOMAIN_STATS_MAX: 262144, // REMOTE_CONNECT_GET_ALL_DOMAIN_STATS_MAX: one domain's bulk stats
  EVENT_TUNABLE_MAX: 2048, // REMOTE_DOMAIN_EVENT_TUNABLE_MAX: the tunable event's parameters
  IOTHREAD_PARAMS_MAX: 64, // REMOTE_DOMAIN_IOTHREAD_PARAMS_MAX
  GUEST_INFO_PARAMS_MAX: 2048, // REMOTE_DOMAIN_GUEST_INFO_PARAMS_MAX
  LAUNCH_SECURITY_INFO_PARAMS_MAX: 64, // REMOTE_DOMAIN_LAUNCH_SECURITY_INFO_PARAMS_MAX
} as const;

/** The message and fields of a name longer than VIR_TYPED_PARAM_FIELD_LENGTH allows. */
function nameFault(name: string, bytes: number): { message: string; fields: Record<string, unknown> } {
  const shown = name.length > 100 ? `${name.slice(0, 100)}...` : name;
  return {
    message: `typed parameter name '${shown}' is ${bytes} bytes; libvirt allows at most ${TYPED_PARAM_FIELD_MAX_BYTES} (VIR_TYPED_PARAM_FIELD_LENGTH ${TYPED_PARAM_FIELD_LENGTH} counts the NUL)`,
    fields: { name, value: bytes, expected: `<= ${TYPED_PARAM_FIELD_MAX_BYTES} bytes` },
  };
}

/** Throws ERR_INVALID_ARG unless `name` fits VIR_TYPED_PARAM_FIELD_LENGTH and holds no NUL. */
export function checkTypedParamName(name: string): void {
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > TYPED_PARAM_FIELD_MAX_BYTES) {
    const { message, fields } = nameFault(name, bytes);
    throw new TsvirtError('ERR_INVALID_ARG', message, { field: name, ...fields });
  }
  if (name.includes('\0')) {
    throw new TsvirtError('ERR_INVALID_ARG', `typed parameter name '${name}' holds a NUL byte; drop it`, {
      field: name,
      value: name,
      expected: 'no NUL',
    });
  }
}

/** remote_typed_param's `field`: a remote_nonnull_string that must fit a 80-byte C buffer. */
const xdrTypedParamName: Codec<string> = {
  write: (w, v) => {
    checkTypedParamName(v);
    xdrNonnullString.write(w, v);
  },
  read: (r) => {
    const bytes = r.readVarOpaque(Limit.STRING_MAX);
    if (bytes.length > TYPED_PARAM_FIELD_MAX_BYTES) {
      const { message, fields } = nameFault(bytes.toString('utf8'), bytes.length);
      throw new TsvirtError('ERR_RPC', `xdr: ${message}`, { field: r.path.join('.'), ...fields });
    }
    return bytes.toString('utf8');
  },
  shape: { kind: 'string', max: TYPED_PARAM_FIELD_MAX_BYTES },
};

/** remote_typed_param_value: the type word, then the value in that type's arm. */
export const xdrTypedParamValue = xdrUnion(
  {
    [TypedParamType.INT]: xdrInt,
    [TypedParamType.UINT]: xdrUint,
    [TypedParamType.LLONG]: xdrHyper,
    [TypedParamType.ULLONG]: xdrUhyper,
    [TypedParamType.DOUBLE]: xdrDouble,
    [TypedParamType.BOOLEAN]: xdrInt,
    [TypedParamType.STRING]: xdrNonnullString,
  },
  { name: 'remote_typed_param_value' },
);

/** remote_typed_param: the parameter's name (`field`), then its typed value. */
export const xdrTypedParam = xdrStruct({ field: xdrTypedParamName, value: xdrTypedParamValue });

/** One remote_typed_param as its codec reads and writes it: `{ field, value: { tag, value } }`. */
export type WireTypedParam = ValueOf<typeof xdrTypedParam>;

/** `remote_typed_param params<max>`; `max` is the procedure's own bound from TypedParamLimit. */
export function xdrTypedParams(max: number): Codec<WireTypedParam[]> {
  return xdrArray(xdrTypedParam, max);
}

export type { TypedParam, TypedParamTypeName, TypedParamValues } from '../api/types.js';

/** Parameters by name; a record cannot say int from uint, so building one into a list needs a schema. */
export type TypedParamRecord = Record<string, TypedParamValues[TypedParamTypeName]>;

/** The parameters a procedure accepts or returns, with each one's type. */
export type TypedParamSchema = Readonly<Record<string, TypedParamTypeName>>;

const TYPE_TAGS: Readonly<Record<TypedParamTypeName, number>> = {
  int: TypedParamType.INT,
  uint: TypedParamType.UINT,
  llong: TypedParamType.LLONG,
  ullong: TypedParamType.ULLONG,
  double: TypedParamType.DOUBLE,
  boolean: TypedParamType.BOOLEAN,
  string: TypedParamType.STRING,
};
const TYPE_NAMES = new Map(Object.entries(TYPE_TAGS).map(([name, tag]) => [tag, name as TypedParamTypeName]));

/** Integer bounds of the number types; bigint so that one check serves int and hyper alike. */
const RANGES: Partial<Record<TypedParamTypeName, [bigint, bigint]>> = {
  int: [-(2n ** 31n), 2n ** 31n - 1n],
  uint: [0n, 2n ** 32n - 1n],
  llong: [-(2n ** 63n), 2n ** 63n - 1n],
  ullong: [0n, 2n ** 64n - 1n],
};

function badValue(name: string, type: string, value: unknown, expected: string): TsvirtError {
  const shown = typeof value === 'bigint' ? `${value}n` : (JSON.stringify(value) ?? String(value));
  return new TsvirtError(
    'ERR_INVALID_ARG',
    `typed parameter '${name}' (${type}) cannot hold ${shown}; give ${expected}`,
    { field: name, type, value, expected },
  );
}

/** Checks `value` against `type` and returns it as the wire arm holds it (int/uint/double as number, hypers as bigint). */
function checkValue(name: string, type: TypedParamTypeName, value: unknown): number | bigint | string {
  const range = RANGES[type];
  if (range) {
    const [min, max] = range;
    const wide = type === 'llong' || type === 'ullong';
    const expected = `${wide ? 'a bigint or safe integer' : 'an integer'} in [${min}, ${max}]`;
    const asBig =
      typeof value === 'bigint' ? value : Number.isSafeInteger(value) ? BigInt(value as number) : undefined;
    if (asBig === undefined || asBig < min || asBig > max || (!wide && typeof value !== 'number')) {
      throw badValue(name, type, value, expected);
    }
    return wide ? asBig : Number(asBig);
  }
  if (type === 'double') {
    if (typeof value !== 'number') throw badValue(name, type, value, 'a number');
    return value;
  }
  if (type === 'boolean') {
    if (typeof value !== 'boolean') throw badValue(name, type, value, 'true or false');
    return value ? 1 : 0;
  }
  if (typeof value !== 'string' || value.includes('\0') || Buffer.byteLength(value) > Limit.STRING_MAX) {
    throw badValue(name, type, value, `a string without NUL of at most ${Limit.STRING_MAX} bytes`);
  }
  return value;
}

/** The wire form of friendly parameters; each name and value is checked against its type (ERR_INVALID_ARG). */
export function toWireTypedParams(params: readonly TypedParam[]): WireTypedParam[] {
  return params.map(({ name, type, value }) => {
    checkTypedParamName(name);
    const tag = TYPE_TAGS[type];
    if (tag === undefined)
      throw badValue(name, String(type), value, `a type of ${Object.keys(TYPE_TAGS).join(', ')}`);
    return { field: name, value: { tag, value: checkValue(name, type, value) } as WireTypedParam['value'] };
  });
}

/** The friendly form of wire parameters; a BOOLEAN is true when its int is non-zero. */
export function fromWireTypedParams(wire: readonly WireTypedParam[]): TypedParam[] {
  return wire.map(({ field, value: { tag, value } }) => {
    const type = TYPE_NAMES.get(tag);
    if (type === undefined) {
      throw new TsvirtError('ERR_INVALID_ARG', `typed parameter '${field}' has unknown type ${tag}`, {
        field,
        value: tag,
        expected: [...TYPE_NAMES.keys()],
      });
    }
    return { name: field, type, value: type === 'boolean' ? value !== 0 : value } as TypedParam;
  });
}

function describeSchema(schema: TypedParamSchema): string {
  return Object.keys(schema).join(', ') || 'none';
}

/**
 * Parameters by name. With a schema, a name it lacks or a type other than its own is an error; a name
 * given twice is always one (lists that repeat a name, such as migrate_disks, stay in list form).
 */
export function typedParamsToRecord(
  params: readonly TypedParam[],
  schema?: TypedParamSchema,
): TypedParamRecord {
  const out: TypedParamRecord = {};
  for (const { name, type, value } of params) {
    if (Object.hasOwn(out, name)) {
      throw new TsvirtError('ERR_INVALID_ARG', `typed parameter '${name}' is given twice; give it once`, {
        field: name,
        value,
      });
    }
    if (schema) {
      const want = Object.hasOwn(schema, name) ? schema[name] : undefined;
      if (want === undefined) {
        throw new TsvirtError(
          'ERR_INVALID_ARG',
          `typed parameter '${name}' is not supported here; supported: ${describeSchema(schema)}`,
          { field: name, value, expected: Object.keys(schema) },
        );
      }
      if (want !== type) {
        throw new TsvirtError('ERR_INVALID_ARG', `typed parameter '${name}' is a ${type}; give a ${want}`, {
          field: name,
          value: type,
          expected: want,
        });
      }
    }
    out[name] = value;
  }
  return out;
}

/** A list in the schema's order from a record; undefined values are left out, other names are an error. */
export function typedParamsFromRecord(
  record: Readonly<Record<string, TypedParamValues[TypedParamTypeName] | undefined>>,
  schema: TypedParamSchema,
): TypedParam[] {
  for (const name of Object.keys(record)) {
    if (!Object.hasOwn(schema, name)) {
      throw new TsvirtError(
        'ERR_INVALID_ARG',
        `typed parameter '${name}' is not supported here; supported: ${describeSchema(schema)}`,
        { field: name, value: record[name], expected: Object.keys(schema) },
      );
    }
  }
  const out: TypedParam[] = [];
  for (const [name, type] of Object.entries(schema)) {
    const value = record[name];
    if (value === undefined) continue;
    checkTypedParamName(name);
    const checked = checkValue(name, type, value);
    out.push({ name, type, value: type === 'boolean' ? checked === 1 : checked } as TypedParam);
  }
  return out;
}
