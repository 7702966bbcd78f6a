/** tsvirtd's TLS listener against the real virsh and tsvirt's own client, with openssl-made certificates. */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/exec/index.js';
import { connectRemote } from '../../src/remote/index.js';
import { cleanupRoot, waitUntil } from '../driver/helpers.js';
import { makeTestPki, type TestPki } from '../remote/pki-fixture.js';
import {
  findFreePort,
  makeDaemonRoot,
  REPO_ROOT,
  startDaemon,
  stopDaemon,
  whyNoDist,
  type DaemonProcess,
} from './daemon-harness.js';

const noDist = whyNoDist();
const noVirsh = existsSync('/usr/bin/virsh') ? undefined : 'virsh (libvirt-clients) is not installed';
const noOpenssl = existsSync('/usr/bin/openssl') ? undefined : 'openssl is not installed';
for (const why of [noDist, noVirsh, noOpenssl]) if (why) console.warn(`tsvirtd TLS tests: ${why}`);

describe.skipIf(noDist !== undefined || noOpenssl !== undefined)('tsvirtd over TLS', () => {
  let pkiDir: string;
  let pki: TestPki;
  let root: string;
  let port: number;
  let daemon: DaemonProcess;
  const uri = (pkipath: string, extra = '') =>
    `qemu+tls://127.0.0.1:${port}/system?pkipath=${pkipath}${extra}`;

  /** A tsvirtd on 127.0.0.1:port with the test PKI and the given tls_allowed_dn_list, on a new root. */
  async function startTlsDaemon(
    tlsPort: number,
    allowedDn: string,
  ): Promise<{ root: string; daemon: DaemonProcess }> {
    // listen_tls is left unset: libvirtd's default, on.
    const conf = [
      'listen_tcp = 0',
      `tls_port = "${tlsPort}"`,
      'listen_addr = "127.0.0.1"',
      `key_file = "${pki.server.keyFile}"`,
      `cert_file = "${pki.server.certFile}"`,
      `ca_file = "${pki.server.caFile}"`,
      `tls_allowed_dn_list = ${allowedDn}`,
      'log_level = 2',
      '',
    ].join('\n');
    const made = await makeDaemonRoot(conf);
    const started = await startDaemon(
      ['-f', made.confPath, '--root', made.root, '--listen'],
      join(made.root, 'tsvirtd.log'),
      join(made.root, 'run', 'tsvirtd.pid'),
    );
    return { root: made.root, daemon: started };
  }

  beforeAll(async () => {
    pkiDir = await mkdtemp(join(tmpdir(), 'tsvirt-pki-'));
    pki = await makeTestPki(pkiDir);
    port = await findFreePort();
    ({ root, daemon } = await startTlsDaemon(port, '["CN=admin-*", "CN=client"]'));
    expect(await daemon.log()).toContain(`listening on tls 127.0.0.1:${port}`);
  }, 60_000);

  afterAll(async () => {
    if (daemon) expect(await stopDaemon(daemon)).toEqual({ exitCode: 0, signal: undefined });
    if (root) expect(await cleanupRoot(root, [])).toEqual([]);
    await rm(pkiDir, { recursive: true, force: true });
  });

  it.skipIf(noVirsh !== undefined)('serves the real virsh with a certificate from the CA', async () => {
    const r = await run(['virsh', '-c', uri(pki.client), 'list', '--all'], { timeoutMs: 30_000 });
    expect(r.stdout).toBe(' Id   Name   State\n--------------------\n\n');
    const v = await run(['virsh', '-c', uri(pki.client), 'uri'], { timeoutMs: 30_000 });
    expect(v.stdout.trim()).toBe(uri(pki.client));
  });

  it.skipIf(noVirsh !== undefined)('turns virsh away when another CA signed its certificate', async () => {
    const r = await run(['virsh', '-c', uri(pki.rogueClient), 'list'], {
      timeoutMs: 30_000,
      okExitCodes: [1],
    });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/error: failed to connect to the hypervisor/);
    await waitUntil(
      async () => /tls client 127\.0\.0\.1:\d+ refused: /.test(await daemon.log()),
      5_000,
      'the refusal in the log',
    );
  });

  it("serves tsvirt's own client and CLI, and both check the server against their CA", async () => {
    const conn = await connectRemote(uri(pki.client));
    try {
      expect(await conn.listAllDomains()).toEqual([]);
      expect((await conn.listAllStoragePools()).map((p) => p.name)).toEqual(['default']);
    } finally {
      await conn.close();
    }
    const cli = await run(['node', join(REPO_ROOT, 'dist/tsvirt.mjs'), '-c', uri(pki.client), 'pool-list'], {
      env: { TSVIRT_COMPILE_CACHE: 'off' },
    });
    expect(cli.stdout).toMatch(/^ Name\s+State\s+Autostart\n-+\n default\s+active\s+yes\n/);
    // The other CA does not vouch for this server: refused, unless no_verify=1 says not to check.
    await expect(connectRemote(uri(pki.distrustingClient))).rejects.toMatchObject({
      code: 'ERR_CONNECTION_CLOSED',
      message: expect.stringMatching(/certificate/i),
    });
    const unchecked = await connectRemote(uri(pki.distrustingClient, '&no_verify=1'));
    expect(await unchecked.listAllDomains()).toEqual([]);
    await unchecked.close();
  });

  it('turns away a client of the right CA whose DN is not on tls_allowed_dn_list', async () => {
    const port2 = await findFreePort();
    const { root: other, daemon: strict } = await startTlsDaemon(port2, '["CN=admin-*"]');
    try {
      const strictUri = `qemu+tls://127.0.0.1:${port2}/system?pkipath=${pki.client}`;
      await expect(connectRemote(strictUri)).rejects.toMatchObject({
        code: 'ERR_AUTH_FAILED',
        message: expect.stringContaining('refused our certificate or address'),
      });
      if (noVirsh === undefined) {
        const r = await run(['virsh', '-c', strictUri, 'list'], { timeoutMs: 30_000, okExitCodes: [1] });
        expect(r.exitCode).toBe(1);
      }
      expect(await strict.log()).toMatch(
        /tls client 127\.0\.0\.1:\d+ refused: its certificate's DN 'CN=client' is not on tls_allowed_dn_list/,
      );
    } finally {
      expect(await stopDaemon(strict)).toEqual({ exitCode: 0, signal: undefined });
      expect(await cleanupRoot(other, [])).toEqual([]);
    }
  });

  it('says which file is missing, on both ends', async () => {
    await expect(connectRemote(uri(join(pkiDir, 'nowhere')))).rejects.toMatchObject({
      code: 'ERR_IO',
      message: expect.stringContaining(
        `cannot read the CA certificate ${join(pkiDir, 'nowhere', 'cacert.pem')}`,
      ),
    });
    const { confPath, root: other } = await makeDaemonRoot(
      `listen_tcp = 0\ntls_port = "${await findFreePort()}"\nkey_file = "${join(pkiDir, 'absent.key')}"\n`,
    );
    const failed = await startDaemon(['-f', confPath, '--root', other, '-l'], join(other, 'tsvirtd.log'));
    await waitUntil(() => failed.exit !== undefined, 15_000, 'tsvirtd to refuse to start');
    expect(failed.exit?.exitCode).toBe(1);
    expect(await failed.log()).toContain(`key_file ${join(pkiDir, 'absent.key')}: cannot read it (ENOENT)`);
    expect(await cleanupRoot(other, [])).toEqual([]);
  });
});
