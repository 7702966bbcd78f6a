/** The host's neighbour table from `ip -j neigh show`: pure parsing of iproute2's JSON. */
import { TsvirtError } from '../errors.js';
import type { NeighbourEntry } from '../driver/interface-addresses.js';

/** States of rows that hold no usable link-layer address. */
const UNRESOLVED = new Set(['FAILED', 'INCOMPLETE']);

/** The resolved rows of `ip -j neigh show` output: address, lower-case MAC, type 0 IPv4 / 1 IPv6. */
export function parseIpNeighJson(text: string): NeighbourEntry[] {
  let rows: unknown;
  try {
    rows = JSON.parse(text.trim() === '' ? '[]' : text);
  } catch (err) {
    throw new TsvirtError(
      'ERR_COMMAND_FAILED',
      'ip -j neigh show: output is not JSON',
      { field: 'stdout', value: text.slice(0, 200), expected: 'a JSON array' },
      { cause: err },
    );
  }
  if (!Array.isArray(rows)) return [];
  const out: NeighbourEntry[] = [];
  for (const row of rows as Array<Record<string, unknown>>) {
    const { dst, lladdr, state } = row;
    if (typeof dst !== 'string' || typeof lladdr !== 'string') continue;
    if (Array.isArray(state) && state.some((s) => UNRESOLVED.has(String(s)))) continue;
    out.push({ type: dst.includes(':') ? 1 : 0, addr: dst, mac: lladdr.toLowerCase() });
  }
  return out;
}
