/**
 * Live vCPU unplug: device_del asks the guest (ACPI) to eject the CPU; the CPU is gone once
 * query-cpus-fast no longer lists its QOM path.
 *
 * qemu 7.2 under TCG sends DEVICE_DELETED only for the CPU's child `<path>/lapic`, never for the CPU
 * itself, so the removal is confirmed from query-cpus-fast, woken by the guest's _OST reports and by
 * DEVICE_DELETED of the CPU or of its children, with a periodic check as a floor.
 */
import { TsvirtError } from '../errors.js';
import { deviceDel, queryCpusFast, type QmpClient, type QmpEvent } from '../qmp/index.js';

/**
 * How long an unplug waits for the guest to eject the CPU. libvirt waits 5 s; the TCG test guest ejects
 * in about 0.1-0.3 s here (online CPUs included), so 10 s leaves room for a loaded host.
 */
export const VCPU_UNPLUG_WAIT_MS = 10_000;

/** How often the CPU list is asked while no event comes. */
const CPU_CHECK_INTERVAL_MS = 500;

/** ACPI _OST values (ACPI 6.x, _OST) that qemu reports in ACPI_DEVICE_OST for a CPU. */
const AcpiOst = {
  /** Source event 3: an ejection request (what device_del sends). */
  SOURCE_EJECT: 3,
  /** Status 0: success. */
  SUCCESS: 0,
  /** Status 0x84: ejection in progress (the guest is offlining the CPU). */
  EJECT_IN_PROGRESS: 0x84,
} as const;

/** Whether a QMP event tells that a CPU's eject request was answered by the guest (any status). */
export function isCpuEjectReport(e: QmpEvent): boolean {
  if (e.event !== 'ACPI_DEVICE_OST') return false;
  const info = e.data['info'] as Record<string, unknown> | undefined;
  return info?.['slot-type'] === 'CPU' && info['source'] === AcpiOst.SOURCE_EJECT;
}

/** Whether a DEVICE_DELETED event is about the CPU at `path` or one of its children (its lapic). */
export function isCpuDeletedEvent(e: QmpEvent, path?: string): boolean {
  if (e.event !== 'DEVICE_DELETED') return false;
  const at = e.data['path'];
  if (typeof at !== 'string') return false;
  if (path !== undefined) return at === path || at.startsWith(`${path}/`);
  return /^\/machine\/peripheral\/vcpu\d+(\/|$)/.test(at);
}

/** The guest's refusal of this CPU's eject, from an _OST report naming its device id; else undefined. */
function readEjectRefusal(e: QmpEvent, id: string): number | undefined {
  if (!isCpuEjectReport(e)) return undefined;
  const info = e.data['info'] as Record<string, unknown>;
  const status = info['status'];
  if (info['device'] !== id || typeof status !== 'number') return undefined;
  return status === AcpiOst.SUCCESS || status === AcpiOst.EJECT_IN_PROGRESS ? undefined : status;
}

/** Whether qemu still has a vCPU at `path`. */
async function hasCpu(qmp: QmpClient, path: string): Promise<boolean> {
  return (await queryCpusFast(qmp)).some((cpu) => cpu.qomPath === path);
}

/**
 * device_del the vCPU at `path` (device id `id`, vCPU number `index`) and wait until qemu no longer has
 * it. Throws ERR_OPERATION_FAILED when the guest refuses the eject or has not ejected it after `waitMs`.
 */
export async function unplugVcpu(
  domain: string,
  qmp: QmpClient,
  target: { path: string; id: string; index: number },
  waitMs = VCPU_UNPLUG_WAIT_MS,
): Promise<void> {
  let wake: (() => void) | undefined;
  let refusal: number | undefined;
  const onEvent = (e: QmpEvent): void => {
    refusal ??= readEjectRefusal(e, target.id);
    if (isCpuEjectReport(e) || isCpuDeletedEvent(e, target.path)) wake?.();
  };
  qmp.on('event', onEvent);
  try {
    await deviceDel(qmp, target.path);
    const deadline = performance.now() + waitMs;
    for (;;) {
      if (refusal !== undefined) throw buildRefusedError(domain, target.index, refusal);
      if (!(await hasCpu(qmp, target.path))) return;
      const leftMs = deadline - performance.now();
      if (leftMs <= 0) throw buildTimeoutError(domain, target.index, waitMs);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(leftMs, CPU_CHECK_INTERVAL_MS));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  } finally {
    qmp.off('event', onEvent);
  }
}

function buildRefusedError(domain: string, index: number, status: number): TsvirtError {
  const hex = `0x${status.toString(16)}`;
  return new TsvirtError(
    'ERR_OPERATION_FAILED',
    `domain '${domain}': the guest refused to eject vCPU ${index} (ACPI _OST status ${hex}); free the CPU in the guest and retry`,
    { domain, vcpu: index, field: 'status', value: status, expected: '0 (ejected)' },
  );
}

function buildTimeoutError(domain: string, index: number, waitMs: number): TsvirtError {
  return new TsvirtError(
    'ERR_OPERATION_FAILED',
    `domain '${domain}': vcpu unplug request timed out after ${waitMs} ms (vCPU ${index}); the guest did not eject it, check the guest`,
    { domain, vcpu: index, field: 'nvcpus', value: index, expected: 'the guest to eject the CPU' },
  );
}
