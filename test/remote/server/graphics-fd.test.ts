/**
 * virDomainOpenGraphicsFD with the real libvirt-python: over the unix socket the server answers
 * FD_PASSING with 1 and hands over a socket on which qemu's VNC server greets; over TCP it says no.
 */
import { PYTHON, hasLibvirtPython } from './python-harness.js';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureGuests } from '../../../scripts/guests/paths.js';
import { findQemuBinary } from '../../../src/kvm/index.js';
import { run } from '../../../src/exec/index.js';
import { connectRemote } from '../../../src/remote/index.js';
import { buildBootSectorXml } from '../../driver/helpers.js';
import { startTestServer, type TestServer } from './server-fixture.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/graphics-fd.py', import.meta.url));

const usable = (await hasLibvirtPython()) && findQemuBinary() !== undefined;
if (!usable) console.warn('skipping graphics fd tests: python3-libvirt or qemu is absent');

/** What the fixture printed. */
interface Outcome {
  greetings?: string[];
  state?: number;
  error?: string;
  code?: number;
}

describe.skipIf(!usable)('virDomainOpenGraphicsFD (libvirt-python)', () => {
  let srv: TestServer;
  const fixture = async (uri: string, count: number): Promise<Outcome> => {
    const r = await run([PYTHON, FIXTURE, uri, 'gfx', String(count)], { timeoutMs: 60_000 });
    return JSON.parse(r.stdout) as Outcome;
  };

  beforeAll(async () => {
    srv = await startTestServer();
    const image = join(srv.root, 'gfx.img');
    await copyFile((await ensureGuests()).bootSectorImage, image);
    const xml = buildBootSectorXml('gfx', image).replace(
      '</devices>',
      "<graphics type='vnc' autoport='yes'><listen type='address' address='127.0.0.1'/></graphics></devices>",
    );
    await srv.conn.domainCreate(await srv.conn.domainDefineXML(xml));
  }, 60_000);

  afterAll(async () => {
    if (!srv) return;
    await srv.conn.domainDestroy(await srv.conn.lookupDomainByName('gfx')).catch(() => undefined);
    expect(await srv.stop()).toEqual([]);
  }, 30_000);

  it('hands over sockets on which qemu greets with RFB 003.008, over the unix socket', async () => {
    const out = await fixture(srv.unixUri, 3);
    expect(out.error).toBeUndefined();
    expect(out.greetings).toEqual(['RFB 003.008\n', 'RFB 003.008\n', 'RFB 003.008\n']);
    expect(out.state).toBe(1); // running: calls after the descriptors still get their replies
  });

  it('says no to fd passing over TCP, and refuses the call clearly', async () => {
    const out = await fixture(srv.tcpUri, 1);
    expect(out.greetings).toBeUndefined();
    expect(out.error).toContain('fd passing is not supported by this connection');
    expect(out.code).toBe(74); // VIR_ERR_ARGUMENT_UNSUPPORTED
    // Asked directly, the server also refuses on TCP (a client that skips the feature check).
    const c = await connectRemote(srv.tcpUri);
    try {
      const dom = await c.lookupDomainByName('gfx');
      const inner = c as unknown as {
        supportsFeature(feature: number): Promise<boolean>;
        call(proc: number, args: unknown): Promise<unknown>;
      };
      expect(await inner.supportsFeature(8)).toBe(false);
      const raw = await inner.call(343, { dom, idx: 0, flags: 0 }).then(
        () => 'accepted',
        (e: Error) => e.message,
      );
      expect(raw).toContain('fd passing is not supported by this connection');
    } finally {
      await c.close();
    }
  });
});
