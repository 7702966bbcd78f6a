/**
 * qemu's machine types and CPU models, asked of a qemu binary through QMP on stdio (qemu -machine none,
 * TCG): what define's canonical machine names, the capabilities and the domain capabilities read.
 */
import { run } from '../exec/index.js';
import { parseQemuCapsOutput, QEMU_CAPS_QMP_INPUT, type QemuCaps } from './qemu-caps-parse.js';

/** A healthy qemu answers the probe session in about 100 ms. */
const PROBE_TIMEOUT_MS = 15_000;

/** The argv of the probe: no machine, no devices, QMP on stdio, TCG (what usable= is judged under). */
export function buildQemuCapsArgv(binary: string): string[] {
  return [
    binary,
    '-machine',
    'none',
    '-accel',
    'tcg',
    '-nodefaults',
    '-display',
    'none',
    '-S',
    '-qmp',
    'stdio',
  ];
}

/** Runs qemu once and reads its machines and CPU models. */
export async function probeQemuCaps(binary: string): Promise<QemuCaps> {
  const { stdout } = await run(buildQemuCapsArgv(binary), {
    input: QEMU_CAPS_QMP_INPUT,
    timeoutMs: PROBE_TIMEOUT_MS,
  });
  return parseQemuCapsOutput(stdout);
}

/**
 * probeQemuCaps once per binary for the life of the process; a failed probe is tried again next time.
 */
export function buildQemuCapsProbe(
  probe: (binary: string) => Promise<QemuCaps> = probeQemuCaps,
): (binary: string) => Promise<QemuCaps> {
  const caps = new Map<string, Promise<QemuCaps>>();
  return (binary) => {
    let pending = caps.get(binary);
    if (!pending) {
      pending = probe(binary);
      caps.set(binary, pending);
      pending.catch(() => caps.delete(binary));
    }
    return pending;
  };
}
