/**
 * The host probe, cached under the root as libvirt caches its QEMU capabilities (cacheDir/capabilities,
 * keyed by the binary's ctime). The probe runs qemu three times (--version, -accel help, a -cpu host
 * trial), about 300 ms; an embedded CLI call would pay that on every start without the cache.
 */
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { probeHostFacts } from '../driver/host.js';
import type { HostFacts } from '../driver/index.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { findQemuBinary } from '../kvm/qemu-probe.js';

/** What the facts depend on: the qemu binary as a file, /dev/kvm, and the boot (kvm modules, kernel). */
export async function buildProbeKey(): Promise<string> {
  const binary = findQemuBinary();
  const st = binary === undefined ? undefined : statSync(binary, { throwIfNoEntry: false });
  const bootId = (await readFile('/proc/sys/kernel/random/boot_id', 'utf8').catch(() => '')).trim();
  return JSON.stringify({
    binary: binary ?? null,
    file: st ? [st.ino, st.size, st.mtimeMs, st.ctimeMs] : null,
    kvm: existsSync('/dev/kvm'),
    bootId,
  });
}

/** A host probe that reads `cacheFile` when its key still holds, else probes and writes it. */
export function buildCachedHostProbe(
  cacheFile: string,
  probe: () => Promise<HostFacts> = probeHostFacts,
): () => Promise<HostFacts> {
  return async () => {
    const key = await buildProbeKey();
    const cached = await readFile(cacheFile, 'utf8').then(
      (text) => JSON.parse(text) as { key: string; facts: HostFacts },
      () => undefined,
    );
    if (cached?.key === key && typeof cached.facts?.qemuBinary === 'string') return cached.facts;
    const facts = await probe();
    await writeFileAtomic(cacheFile, `${JSON.stringify({ key, facts }, null, 2)}\n`).catch(() => undefined);
    return facts;
  };
}
