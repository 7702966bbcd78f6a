/** Shorthands for the WebSocket exposure of catalogue entries (rows of src/ws/methods.ts's table). */
import type { BigintShape, ParamSpec, TargetKind } from '../../ws/methods.js';
import type { WsExposure } from './entry.js';

/** The optional `flags` param most methods end with. */
export const flagsParam: ParamSpec = { name: 'flags', type: 'int', optional: true };
/** An `xml` document param. */
export const xmlParam: ParamSpec = { name: 'xml', type: 'string' };

/** A WebSocket row: its JSON-RPC name, target kind, params after the target, and bigint shape. */
export function wsRow(
  name: string,
  target: TargetKind,
  params: readonly ParamSpec[] = [],
  bigints?: BigintShape,
): WsExposure {
  return bigints === undefined ? { name, target, params } : { name, target, params, bigints };
}
