/**
 * qemu's machine types and CPU models, probed once through QMP on stdio (qemu -machine none, TCG) and
 * cached under the root beside the host facts, with the same key (the binary's identity, /dev/kvm,
 * the boot), as libvirt caches its QEMU capabilities.
 */
import { readFile } from 'node:fs/promises';
import { run } from '../exec/index.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { buildProbeKey } from './host-facts-cache.js';
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

/** A qemu capabilities probe that reads `cacheFile` while its key holds, else probes and writes it. */
export function buildCachedQemuCapsProbe(
  cacheFile: string,
  probe: (binary: string) => Promise<QemuCaps> = probeQemuCaps,
): (binary: string) => Promise<QemuCaps> {
  let pending: Promise<QemuCaps> | undefined;
  const load = async (binary: string): Promise<QemuCaps> => {
    const key = JSON.stringify({ probe: await buildProbeKey(), binary });
    const cached = await readFile(cacheFile, 'utf8').then(
      (text) => JSON.parse(text) as { key: string; caps: QemuCaps },
      () => undefined,
    );
    if (cached?.key === key && Array.isArray(cached.caps?.machines)) return cached.caps;
    const caps = await probe(binary);
    await writeFileAtomic(cacheFile, `${JSON.stringify({ key, caps })}\n`).catch(() => undefined);
    return caps;
  };
  return (binary) => {
    pending ??= load(binary).catch((err: unknown) => {
      pending = undefined;
      throw err;
    });
    return pending;
  };
}
