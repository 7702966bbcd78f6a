/** Test helper: the all-zero value of any codec shape, to send well-formed args for every procedure. */
import type { CodecShape } from '../../../src/remote/xdr-codec.js';

/** A value of `shape` with zeros, empty strings and arrays, NULL optionals and the nil uuid. */
export function zeroValue(shape: CodecShape): unknown {
  switch (shape.kind) {
    case 'void':
      return undefined;
    case 'int':
    case 'uint':
      return 0;
    case 'hyper':
    case 'uhyper':
      return 0n;
    case 'double':
      return 0;
    case 'union': {
      const [tag, arm] = shape.arms[0] ?? [0, { kind: 'void' as const }];
      return { tag, value: zeroValue(arm) };
    }
    case 'intBool':
      return false;
    case 'uuid':
      return '00000000-0000-0000-0000-000000000000';
    case 'string':
    case 'charVar':
    case 'charFixed':
      return '';
    case 'opaque':
      return Buffer.alloc(0);
    case 'optional':
      return null;
    case 'array':
      return [];
    case 'struct':
      return Object.fromEntries(shape.fields.map(([k, s]) => [k, zeroValue(s)]));
  }
}
