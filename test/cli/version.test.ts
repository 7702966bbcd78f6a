/** `tsvirt version`: tsvirt's own version beside the libvirt API level it implements, as virsh prints it. */
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIBVIRT_API_VERSION, VERSION, versionNumber, versionText } from '../../src/version.js';
import { hasCli, makeCliRoot, tsvirt } from './cli-harness.js';

describe('version numbers', () => {
  it("reads and writes libvirt's major * 1e6 + minor * 1e3 + micro", () => {
    expect(versionNumber('9.0.0')).toBe(9_000_000n);
    expect(versionNumber('7.2.11')).toBe(7_002_011n);
    expect(versionText(9_000_000n)).toBe('9.0.0');
    expect(versionText(7_002_011n)).toBe('7.2.11');
    expect(versionNumber(LIBVIRT_API_VERSION)).toBe(9_000_000n);
  });
});

describe.skipIf(!hasCli)('tsvirt version', () => {
  let root = '';
  beforeAll(async () => {
    ({ root } = await makeCliRoot());
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("prints tsvirt's version, the libvirt API level, qemu's version, and with --daemon the API level reported", async () => {
    const r = await tsvirt(root, ['version', '--daemon']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.slice(0, 3)).toEqual([
      `Compiled against library: tsvirt ${VERSION} (libvirt API 9.0.0)`,
      `Using library: tsvirt ${VERSION}`,
      'Using API: QEMU 9.0.0',
    ]);
    expect(lines[3]).toMatch(/^Running hypervisor: QEMU \d+\.\d+\.\d+$/);
    expect(lines[4]).toBe('Running against daemon: 9.0.0');
    const json = JSON.parse((await tsvirt(root, ['--json', 'version'])).stdout) as Record<string, unknown>;
    expect(json).toMatchObject({ tsvirt: VERSION, libvirtApi: '9.0.0', hypervisor: { type: 'QEMU' } });
    expect(json).not.toHaveProperty('daemon');
  });
});
