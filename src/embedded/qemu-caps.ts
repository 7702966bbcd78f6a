/**
 * qemu's machine types and CPU models, probed once through QMP on stdio (qemu -machine none, TCG) and
 * cached under the root beside the host facts, with the same key (the binary's identity, /dev/kvm,
 * the boot), as libvirt caches its QEMU capabilities.
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { buildProbeKey } from './host-facts-cache.js';
import type { QemuCaps } from '../kvm/qemu-caps-parse.js';
import { probeQemuCaps } from '../kvm/qemu-caps-probe.js';

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
