/**
 * virNodeGetCPUStats, virNodeGetMemoryStats, virNodeGetCellsFreeMemory and virNodeGetFreeMemory as
 * libvirt computes them on Linux (virhostcpu.c, virhostmem.c): pure parsers of /proc/stat,
 * /proc/meminfo and the NUMA nodes' meminfo, and the readers that feed them.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NodeStat } from '../api/types.js';
import { TsvirtError } from '../errors.js';

/** VIR_NODE_CPU_STATS_ALL_CPUS and VIR_NODE_MEMORY_STATS_ALL_CELLS. */
export const ALL = -1;

/** /proc/stat counts in USER_HZ, which is 100 on Linux: one tick is 10,000,000 ns. */
const NS_PER_TICK = 10_000_000n;

/**
 * The CPU times of one /proc/stat line ("cpu" for all, "cpuN" for one) in libvirt's fields, in ns:
 * kernel = system + irq + softirq, user = user + nice, idle, iowait. Undefined when the line is absent.
 */
export function parseCpuStats(statText: string, cpuNum: number): NodeStat[] | undefined {
  const label = cpuNum === ALL ? 'cpu' : `cpu${cpuNum}`;
  const line = statText.split('\n').find((l) => l.split(/\s+/)[0] === label);
  if (!line) return undefined;
  const t = line
    .trim()
    .split(/\s+/)
    .slice(1)
    .map((v) => BigInt(/^\d+$/.test(v) ? v : '0'));
  const at = (i: number): bigint => t[i] ?? 0n;
  const [user, nice, system, idle, iowait, irq, softirq] = [0, 1, 2, 3, 4, 5, 6].map(at) as bigint[];
  return [
    { field: 'kernel', value: (system! + irq! + softirq!) * NS_PER_TICK },
    { field: 'user', value: (user! + nice!) * NS_PER_TICK },
    { field: 'idle', value: idle! * NS_PER_TICK },
    { field: 'iowait', value: iowait! * NS_PER_TICK },
  ];
}

/** The "Key: N kB" values of a meminfo text; a NUMA node's lines start "Node N Key:". */
export function parseMeminfoKiB(text: string): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const line of text.split('\n')) {
    const m = /^(?:Node \d+ )?([A-Za-z0-9_()]+):\s+(\d+)/.exec(line);
    if (m) out.set(m[1] as string, BigInt(m[2] as string));
  }
  return out;
}

/** Memory stats in KiB: total, free, buffers, cached for the host; total and free for one cell. */
export function buildMemoryStats(meminfo: Map<string, bigint>, wholeHost: boolean): NodeStat[] {
  const get = (k: string): bigint => meminfo.get(k) ?? 0n;
  const stats: NodeStat[] = [
    { field: 'total', value: get('MemTotal') },
    { field: 'free', value: get('MemFree') },
  ];
  if (wholeHost) {
    stats.push({ field: 'buffers', value: get('Buffers') }, { field: 'cached', value: get('Cached') });
  }
  return stats;
}

/** Where the readers look; tests point it at their own folders. */
export interface HostPaths {
  procStat: string;
  procMeminfo: string;
  nodeDir: string;
}

/** The kernel's paths. */
export const HOST_PATHS: HostPaths = {
  procStat: '/proc/stat',
  procMeminfo: '/proc/meminfo',
  nodeDir: '/sys/devices/system/node',
};

/** NodeGetCPUStats: one CPU's or all CPUs' times. */
export async function readCpuStats(cpuNum: number, paths = HOST_PATHS): Promise<NodeStat[]> {
  const stats = cpuNum < ALL ? undefined : parseCpuStats(await readFile(paths.procStat, 'utf8'), cpuNum);
  if (!stats) {
    throw new TsvirtError('ERR_INVALID_ARG', `Invalid cpuNum in linuxNodeGetCPUStats: ${cpuNum}`, {
      field: 'cpuNum',
      value: cpuNum,
      expected: '-1 or an online CPU',
    });
  }
  return stats;
}

/** The NUMA cell ids the kernel lists (node0, node1, ...), or [] where it has no node folder. */
export async function listCells(paths = HOST_PATHS): Promise<number[]> {
  const names = await readdir(paths.nodeDir).catch(() => [] as string[]);
  return names
    .map((n) => /^node(\d+)$/.exec(n)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

/** One cell's meminfo (KiB); a host without NUMA folders is one cell, 0, with /proc/meminfo's values. */
async function readCellMeminfo(cell: number, paths: HostPaths): Promise<Map<string, bigint>> {
  const cells = await listCells(paths);
  if (cells.length === 0 && cell === 0) return parseMeminfoKiB(await readFile(paths.procMeminfo, 'utf8'));
  if (!cells.includes(cell)) {
    const last = cells.length === 0 ? 0 : Math.max(...cells);
    throw new TsvirtError('ERR_INVALID_ARG', `Invalid cell number ${cell}; the host has cells 0-${last}`, {
      field: 'cellNum',
      value: cell,
      expected: `0-${last}`,
    });
  }
  return parseMeminfoKiB(await readFile(join(paths.nodeDir, `node${cell}`, 'meminfo'), 'utf8'));
}

/** NodeGetMemoryStats: the host's (cellNum -1) or one cell's memory, in KiB. */
export async function readMemoryStats(cellNum: number, paths = HOST_PATHS): Promise<NodeStat[]> {
  if (cellNum === ALL) {
    return buildMemoryStats(parseMeminfoKiB(await readFile(paths.procMeminfo, 'utf8')), true);
  }
  return buildMemoryStats(await readCellMeminfo(cellNum, paths), false);
}

/** NodeGetCellsFreeMemory: free bytes of `maxCells` cells from `startCell`, as far as cells exist. */
export async function readCellsFreeMemory(
  startCell: number,
  maxCells: number,
  paths = HOST_PATHS,
): Promise<bigint[]> {
  const cells = await listCells(paths);
  const ids = cells.length === 0 ? [0] : cells;
  const last = Math.max(...ids);
  if (startCell < 0 || startCell > last) {
    throw new TsvirtError('ERR_INVALID_ARG', `start cell ${startCell} out of range (0-${last})`, {
      field: 'startCell',
      value: startCell,
      expected: `0-${last}`,
    });
  }
  const wanted = ids.filter((id) => id >= startCell).slice(0, Math.max(0, maxCells));
  const free = await Promise.all(wanted.map((id) => readCellMeminfo(id, paths)));
  return free.map((m) => (m.get('MemFree') ?? 0n) * 1024n);
}

/** NodeGetFreeMemory: free bytes over all cells. */
export async function readFreeMemory(paths = HOST_PATHS): Promise<bigint> {
  const cells = await listCells(paths);
  const free = await readCellsFreeMemory(0, Math.max(1, cells.length), paths);
  return free.reduce((a, b) => a + b, 0n);
}

/** Parses a kernel CPU list such as "0-3,8,10-11". */
export function parseCpuList(text: string): number[] {
  return text
    .trim()
    .split(',')
    .filter((part) => part !== '')
    .flatMap((part) => {
      const [from, to] = part.split('-').map(Number) as [number, number | undefined];
      return Array.from({ length: (to ?? from) - from + 1 }, (_, i) => from + i);
    });
}

/** The host's NUMA cells with their total memory (KiB) and CPUs; one cell 0 where the kernel lists none. */
export async function readCells(
  onlineCpus: number,
  paths = HOST_PATHS,
): Promise<Array<{ id: number; memoryKiB: bigint; cpus: number[] }>> {
  const ids = await listCells(paths);
  const all = Array.from({ length: onlineCpus }, (_, i) => i);
  if (ids.length === 0) {
    const total = parseMeminfoKiB(await readFile(paths.procMeminfo, 'utf8')).get('MemTotal') ?? 0n;
    return [{ id: 0, memoryKiB: total, cpus: all }];
  }
  return Promise.all(
    ids.map(async (id) => {
      const dir = join(paths.nodeDir, `node${id}`);
      const meminfo = parseMeminfoKiB(await readFile(join(dir, 'meminfo'), 'utf8').catch(() => ''));
      const cpulist = await readFile(join(dir, 'cpulist'), 'utf8').catch(() => undefined);
      return {
        id,
        memoryKiB: meminfo.get('MemTotal') ?? 0n,
        cpus: cpulist === undefined ? all : parseCpuList(cpulist),
      };
    }),
  );
}
