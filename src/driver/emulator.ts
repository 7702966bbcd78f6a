/**
 * The check of a domain's `<emulator>`, as libvirt probes the binary it names before it accepts the
 * domain: it must be a qemu-system program that answers `-version` as qemu does. Answers are kept
 * per file (device, inode, size, mtime), so a start after a define runs no second probe.
 */
import { realpath, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { TsvirtError } from '../errors.js';
import { run } from '../exec/index.js';

/** How long the `-version` probe may take. */
const PROBE_TIMEOUT_MS = 10_000;

const checked = new Map<string, string>();

/**
 * Resolves when `emulator` is a qemu-system binary; otherwise rejects with ERR_INVALID_ARG naming the
 * domain, the path and what was wrong. `undefined` (no `<emulator>`) is the host's qemu and passes.
 * The probe runs behind `dropPrivileges` (the qemu user's setpriv prefix), as qemu itself would.
 */
export async function checkEmulator(
  domain: string,
  emulator: string | undefined,
  dropPrivileges: readonly string[],
): Promise<void> {
  if (emulator === undefined) return;
  const fail = (why: string): TsvirtError =>
    new TsvirtError(
      'ERR_INVALID_ARG',
      `domain '${domain}': emulator '${emulator}' ${why}; name a qemu-system-* binary or leave <emulator> out`,
      { domain, field: 'emulator', value: emulator, expected: 'a qemu-system-* binary' },
    );
  const real = await realpath(emulator).catch(() => undefined);
  const st = real === undefined ? undefined : await stat(real).catch(() => undefined);
  if (real === undefined || !st?.isFile()) throw fail('is not a file');
  if (!/^qemu-system-[a-z0-9_]+$/.test(basename(real))) throw fail(`is ${real}, not a qemu-system program`);
  const key = `${real}:${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
  if (checked.has(key)) return;
  const out = await run([...dropPrivileges, real, '-version'], { timeoutMs: PROBE_TIMEOUT_MS }).catch(
    () => undefined,
  );
  const version = /^QEMU emulator version (\S+)/m.exec(out?.stdout ?? '')?.[1];
  if (version === undefined) throw fail('does not answer -version as qemu does');
  checked.set(key, version);
}
