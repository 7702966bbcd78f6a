/**
 * virDomainCoreDumpWithFormat with MEMORY_ONLY: qemu's dump-guest-memory writes the guest's memory as
 * an ELF (or kdump, win-dmp) core to a file that tsvirtd opens and hands to qemu, which runs
 * unprivileged and may not open the caller's path itself. Without LIVE the vCPUs are paused for the
 * dump (paused/dump) and resumed after; CRASH then stops qemu (shutoff/crashed), RESET resets the guest.
 */
import { constants } from 'node:fs';
import { open, unlink } from 'node:fs/promises';
import { DomainState } from '../connection.js';
import { TsvirtError } from '../errors.js';
import { CoreDumpFormat, DumpFlags, PausedReason } from '../api/domain-enums.js';
import {
  cont,
  dumpGuestMemory,
  queryDump,
  stop,
  systemReset,
  type QmpClient,
  type QmpDumpFormat,
} from '../qmp/index.js';
import type { DriverContext } from './context.js';
import type { DomainObject } from './domain-object.js';
import { handOverFd } from './monitor-fd.js';
import type { AsyncJobHandle } from './jobs-records.js';
import { requireMonitor } from './power.js';
import { markPaused, markResumed } from './transitions.js';

/** The name the file's descriptor has in qemu between getfd and dump-guest-memory. */
const FD_NAME = 'dump';
/** How often query-dump is asked while a dump runs. */
const POLL_MS = 50;
/** How long the DUMP_COMPLETED watch lives at most (a dump of a large guest to a slow disk). */
const COMPLETION_WAIT_MS = 6 * 3600_000;
/** virDomainCoreDumpFormat → qemu's DumpGuestMemoryFormat. */
const QEMU_FORMATS: Record<number, QmpDumpFormat> = {
  [CoreDumpFormat.RAW]: 'elf',
  [CoreDumpFormat.KDUMP_ZLIB]: 'kdump-zlib',
  [CoreDumpFormat.KDUMP_LZO]: 'kdump-lzo',
  [CoreDumpFormat.KDUMP_SNAPPY]: 'kdump-snappy',
  [CoreDumpFormat.WIN_DMP]: 'win-dmp',
};
const ALL_FLAGS = Object.values(DumpFlags).reduce((a, b) => a | b, 0);

/** Refuse what a dump cannot do: unknown flags or format, exclusive flags, a full (non memory-only) dump. */
export function checkDumpRequest(format: number, flags: number): QmpDumpFormat {
  if ((flags & ~ALL_FLAGS) !== 0) {
    throw new TsvirtError(
      'ERR_INVALID_ARG',
      `unsupported flags (0x${(flags & ~ALL_FLAGS).toString(16)}) in virDomainCoreDump`,
      {
        field: 'flags',
        value: flags,
        expected: 'crash (1), live (2), bypass-cache (4), reset (8), memory-only (16)',
      },
    );
  }
  const exclusive = [
    DumpFlags.CRASH | DumpFlags.LIVE,
    DumpFlags.CRASH | DumpFlags.RESET,
    DumpFlags.LIVE | DumpFlags.RESET,
  ];
  if (exclusive.some((pair) => (flags & pair) === pair)) {
    throw new TsvirtError('ERR_INVALID_ARG', 'flags crash, live and reset are mutually exclusive', {
      field: 'flags',
      value: flags,
      expected: 'at most one of crash (1), live (2), reset (8)',
    });
  }
  const qemuFormat = QEMU_FORMATS[format];
  if (qemuFormat === undefined) {
    throw new TsvirtError('ERR_INVALID_ARG', `dumpformat '${format}' is not supported`, {
      field: 'dumpformat',
      value: format,
      expected: 'raw (0), kdump-zlib (1), kdump-lzo (2), kdump-snappy (3), win-dmp (4)',
    });
  }
  if ((flags & DumpFlags.MEMORY_ONLY) === 0) {
    throw new TsvirtError(
      'ERR_NOT_SUPPORTED',
      'a core dump with the device state is not supported; use --memory-only (VIR_DUMP_MEMORY_ONLY) for an ELF core of the guest memory, or save for its full state',
      { field: 'flags', value: flags, expected: 'memory-only (16)' },
    );
  }
  return qemuFormat;
}

/** Dump a running or paused domain's memory to `target` under its DUMP async job (held by the caller). */
export async function dumpDomain(
  ctx: DriverContext,
  dom: DomainObject,
  job: AsyncJobHandle,
  target: string,
  opts: { format: QmpDumpFormat; flags: number },
): Promise<{ crash: boolean }> {
  const qmp = requireRunningOrPaused(dom);
  const pause = dom.state === DomainState.RUNNING && (opts.flags & DumpFlags.LIVE) === 0;
  // The caller's file, made by tsvirtd (0600, as libvirt makes it); qemu writes through the descriptor.
  const watch = new AbortController();
  const file = await open(target, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o600);
  try {
    if (pause) {
      job.setPhase('pausing');
      await stop(qmp);
      await markPaused(ctx, dom, PausedReason.DUMP);
    }
    job.setPhase('dumping memory');
    // DUMP_COMPLETED carries qemu's reason when a dump fails; query-dump only says 'failed'.
    const completed = watchCompletion(qmp, watch.signal);
    await handOverFd(qmp, file.fd, FD_NAME, () => dumpGuestMemory(qmp, `fd:${FD_NAME}`, opts.format));
    await waitForDump(qmp, job, dom.name, completed);
    job.setPhase('syncing');
    await file.sync();
  } catch (err) {
    await unlink(target).catch(() => undefined);
    if (pause) await resume(ctx, dom, qmp);
    throw err;
  } finally {
    watch.abort();
    await file.close();
  }
  if ((opts.flags & DumpFlags.CRASH) !== 0) return { crash: true };
  if ((opts.flags & DumpFlags.RESET) !== 0) await systemReset(qmp);
  if (pause) await resume(ctx, dom, qmp);
  return { crash: false };
}

/** The error text of the next DUMP_COMPLETED event ('' when none) once it comes; ends with `signal`. */
function watchCompletion(qmp: QmpClient, signal: AbortSignal): { error: string | undefined } {
  const seen: { error: string | undefined } = { error: undefined };
  qmp
    .waitForEvent('DUMP_COMPLETED', { timeoutMs: COMPLETION_WAIT_MS, signal })
    .then((ev) => (seen.error = typeof ev.data?.error === 'string' ? ev.data.error : ''))
    .catch(() => undefined);
  return seen;
}

/** Poll query-dump until qemu's dump ends, reporting its progress as the job's memory counts. */
async function waitForDump(
  qmp: QmpClient,
  job: AsyncJobHandle,
  domain: string,
  completed: { error: string | undefined },
): Promise<void> {
  for (;;) {
    const info = await queryDump(qmp);
    const total = BigInt(info.totalBytes);
    const done = BigInt(info.completedBytes);
    job.setProgress({
      bounded: total > 0n,
      dataTotal: total,
      dataProcessed: done,
      dataRemaining: total - done,
      memTotal: total,
      memProcessed: done,
      memRemaining: total - done,
    });
    if (info.status === 'completed') return;
    if (info.status === 'failed' || info.status === 'none') {
      throw new TsvirtError(
        'ERR_OPERATION_FAILED',
        `memory dump of domain '${domain}' failed in qemu: ${completed.error || `status ${info.status}`}`,
        {
          domain,
          status: info.status,
        },
      );
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

function requireRunningOrPaused(dom: DomainObject): QmpClient {
  if (dom.state !== DomainState.RUNNING && dom.state !== DomainState.PAUSED) {
    throw new TsvirtError(
      'ERR_OPERATION_INVALID',
      'Requested operation is not valid: domain is not running',
      {
        domain: dom.name,
      },
    );
  }
  return requireMonitor(dom);
}

/** Let the guest run again after a dump paused it. */
async function resume(ctx: DriverContext, dom: DomainObject, qmp: QmpClient): Promise<void> {
  try {
    await cont(qmp);
    await markResumed(ctx, dom);
  } catch (err) {
    ctx.log(`domain '${dom.name}': cannot resume after a memory dump: ${String(err)}`);
  }
}
