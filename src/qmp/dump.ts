/**
 * Typed wrappers of QMP's guest memory dump (qapi/dump.json, QEMU 7.2): dump-guest-memory runs as a
 * background job in qemu when detached, query-dump follows it and DUMP_COMPLETED ends it.
 */
import type { QmpClient } from './client.js';

/** DumpGuestMemoryFormat values qemu writes. */
export type QmpDumpFormat = 'elf' | 'kdump-zlib' | 'kdump-lzo' | 'kdump-snappy' | 'win-dmp';

/** How far a dump has got (DumpQueryResult), in bytes of guest memory. */
export interface QmpDumpInfo {
  /** DumpStatus: none, active, completed, failed. */
  status: string;
  completedBytes: number;
  totalBytes: number;
}

/**
 * `dump-guest-memory {paging: false, protocol, detach: true, format}`: start writing the guest's
 * memory to `protocol` ("fd:NAME" for a descriptor given with getfd); returns at once.
 */
export async function dumpGuestMemory(c: QmpClient, protocol: string, format: QmpDumpFormat): Promise<void> {
  await c.execute('dump-guest-memory', { paging: false, protocol, detach: true, format });
}

/** `query-dump` → DumpQueryResult {status, completed, total}. */
export async function queryDump(c: QmpClient): Promise<QmpDumpInfo> {
  type Wire = { status?: string; completed?: number; total?: number };
  const r = await c.execute<Wire>('query-dump');
  return { status: r.status ?? 'none', completedBytes: r.completed ?? 0, totalBytes: r.total ?? 0 };
}
