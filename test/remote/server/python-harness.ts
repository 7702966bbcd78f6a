/** Test helper: Debian's python3 with libvirt-python, which some tests drive the server with. */
import { existsSync } from 'node:fs';
import { run } from '../../../src/exec/index.js';

/** The system python3, where python3-libvirt is installed (not a python of the user's own). */
export const PYTHON = '/usr/bin/python3';

/** Whether PYTHON exists and imports libvirt. */
export async function hasLibvirtPython(): Promise<boolean> {
  if (!existsSync(PYTHON)) return false;
  return run([PYTHON, '-c', 'import libvirt'], { timeoutMs: 10_000 }).then(
    () => true,
    () => false,
  );
}
