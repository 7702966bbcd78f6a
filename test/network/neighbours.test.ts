import { describe, expect, it } from 'vitest';
import { parseIpNeighJson } from '../../src/network/neighbours.js';

describe('ip -j neigh show parsing', () => {
  it('keeps resolved IPv4 and IPv6 rows with their lower-case MAC and drops unresolved ones', () => {
    const text = JSON.stringify([
      { dst: '10.77.0.50', dev: 'tsvbr7', lladdr: '52:54:00:77:00:0A', state: ['REACHABLE'] },
      { dst: 'fe80::5054:ff:fe77:b', dev: 'tsvbr7', lladdr: '52:54:00:77:00:0b', state: ['STALE'] },
      { dst: '10.77.0.60', dev: 'tsvbr7', state: ['FAILED'] },
      { dst: '10.77.0.61', dev: 'tsvbr7', lladdr: '52:54:00:77:00:0c', state: ['INCOMPLETE'] },
    ]);
    expect(parseIpNeighJson(text)).toEqual([
      { type: 0, addr: '10.77.0.50', mac: '52:54:00:77:00:0a' },
      { type: 1, addr: 'fe80::5054:ff:fe77:b', mac: '52:54:00:77:00:0b' },
    ]);
  });

  it('reads an empty table from empty output', () => {
    expect(parseIpNeighJson('')).toEqual([]);
    expect(parseIpNeighJson('[]\n')).toEqual([]);
  });

  it('refuses output that is not JSON, naming the command', () => {
    expect(() => parseIpNeighJson('10.0.0.1 dev br0 lladdr')).toThrow(/ip -j neigh show: output is not JSON/);
  });
});
