import { TsvirtError } from '../errors.js';
import type { CommandFailedError } from '../exec/index.js';

/** One LV as `lvs --reportformat json --units b --nosuffix` reports it. */
export interface LvRecord {
  name: string;
  uuid: string;
  sizeBytes: bigint;
  path: string;
  attr: string;
}

/** One VG as `vgs --reportformat json --units b --nosuffix` reports it. */
export interface VgRecord {
  name: string;
  uuid: string;
  sizeBytes: bigint;
  freeBytes: bigint;
}

/** The rows of the first report of an LVM JSON report (`{"report":[{"lv":[...]}]}`). */
export function parseLvmReport(json: string, kind: 'lv' | 'vg' | 'pv'): Record<string, string>[] {
  try {
    const doc = JSON.parse(json) as { report?: Record<string, Record<string, string>[]>[] };
    return doc.report?.[0]?.[kind] ?? [];
  } catch (cause) {
    throw new TsvirtError(
      'ERR_INTERNAL',
      `${kind}s printed something that is not JSON; report this`,
      { stdout: json },
      { cause },
    );
  }
}

/** Parse `lvs -o lv_name,lv_uuid,lv_size,lv_path,lv_attr` JSON output. */
export function parseLvs(json: string): LvRecord[] {
  return parseLvmReport(json, 'lv').map((row) => ({
    name: row['lv_name'] ?? '',
    uuid: row['lv_uuid'] ?? '',
    sizeBytes: toBytes(row['lv_size']),
    path: row['lv_path'] ?? '',
    attr: row['lv_attr'] ?? '',
  }));
}

/** Parse `vgs -o vg_name,vg_uuid,vg_size,vg_free` JSON output. */
export function parseVgs(json: string): VgRecord[] {
  return parseLvmReport(json, 'vg').map((row) => ({
    name: row['vg_name'] ?? '',
    uuid: row['vg_uuid'] ?? '',
    sizeBytes: toBytes(row['vg_size']),
    freeBytes: toBytes(row['vg_free']),
  }));
}

function toBytes(value: string | undefined): bigint {
  const digits = (value ?? '').replace(/B$/, '');
  return /^\d+$/.test(digits) ? BigInt(digits) : 0n;
}

// LVM exits 5 for nearly every failure, so the cause is read from stderr, one named predicate per case.

/** The VG, LV or PV named in the command does not exist. */
export function isLvmNotFound(err: CommandFailedError): boolean {
  return /not found|Failed to find|Cannot process volume group/i.test(err.stderr);
}

/** The kernel has no device-mapper, so LVs cannot be activated. */
export function isLvmNoDeviceMapper(err: CommandFailedError): boolean {
  return /device-mapper target\(s\) not detected|Failure to communicate with kernel device-mapper|\/dev\/mapper\/control: open failed/i.test(
    err.stderr,
  );
}

/** The VG has too little free space. */
export function isLvmInsufficientSpace(err: CommandFailedError): boolean {
  return /insufficient free space/i.test(err.stderr);
}

/** The LV or VG already exists. */
export function isLvmExists(err: CommandFailedError): boolean {
  return /already exists/i.test(err.stderr);
}
