/** Test helper: Debian's virsh run through the exec wrapper, returning its exit code and output. */
import { existsSync } from 'node:fs';
import { run } from '../../../src/exec/index.js';

/** Path of virsh, or undefined when libvirt-clients is not installed. */
export const VIRSH = ['/usr/bin/virsh'].find((p) => existsSync(p));

/** What one virsh run left. */
export interface VirshResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `virsh -c URI ARGS…` (with `-r` first when asked), accepting exit code 1. */
export async function virsh(
  uri: string,
  args: string[],
  opts: { readOnly?: boolean; timeoutMs?: number } = {},
): Promise<VirshResult> {
  const argv = [VIRSH ?? 'virsh', ...(opts.readOnly ? ['-r'] : []), '-c', uri, ...args];
  const r = await run(argv, { timeoutMs: opts.timeoutMs ?? 20_000, okExitCodes: [1], env: { HOME: '/tmp' } });
  return { code: r.exitCode, stdout: r.stdout, stderr: r.stderr };
}
