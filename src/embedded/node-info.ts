import type { NodeInfo } from '../connection.js';

/** Facts about the host from /proc, for virNodeGetInfo. */
export interface NodeFacts {
  cpuinfoText: string;
  memTotalKiB: bigint;
  onlineCpus: number;
}

/**
 * Builds virNodeInfo as libvirt fills it on Linux: the model is the architecture, the frequency comes
 * from "cpu MHz", and the topology from "physical id", "cpu cores" and "siblings".
 */
export function buildNodeInfo(facts: NodeFacts): NodeInfo {
  const first = new Map<string, string>();
  const sockets = new Set<string>();
  for (const line of facts.cpuinfoText.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (!first.has(key)) first.set(key, value);
    if (key === 'physical id') sockets.add(value);
  }
  const socketCount = Math.max(1, sockets.size);
  const cores = Number(first.get('cpu cores') ?? facts.onlineCpus / socketCount) || 1;
  const siblings = Number(first.get('siblings') ?? cores) || cores;
  return {
    model: 'x86_64',
    memoryKiB: facts.memTotalKiB,
    cpus: facts.onlineCpus,
    mhz: Math.round(Number(first.get('cpu MHz') ?? 0)) || 0,
    nodes: 1,
    sockets: socketCount,
    cores,
    threads: Math.max(1, Math.round(siblings / cores)),
  };
}

/** Reads MemTotal in KiB from /proc/meminfo text. */
export function parseMemTotalKiB(meminfoText: string): bigint {
  const m = /^MemTotal:\s+(\d+)\s+kB/m.exec(meminfoText);
  return m ? BigInt(m[1] as string) : 0n;
}
