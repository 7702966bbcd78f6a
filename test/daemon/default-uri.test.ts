import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultUri } from '../../src/connect.js';
import { closeServer, isSocketLive, listenUnix } from '../../src/daemon/listeners.js';

let dir: string;
let oldCwd: string;
let oldEnv: string | undefined;
const servers: Server[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsvirt-uri-'));
  oldCwd = process.cwd();
  oldEnv = process.env.TSVIRT_DEFAULT_URI;
  delete process.env.TSVIRT_DEFAULT_URI;
  process.chdir(dir);
});

afterEach(async () => {
  process.chdir(oldCwd);
  if (oldEnv === undefined) delete process.env.TSVIRT_DEFAULT_URI;
  else process.env.TSVIRT_DEFAULT_URI = oldEnv;
  for (const s of servers.splice(0)) await closeServer(s);
  await rm(dir, { recursive: true, force: true });
});

const systemDaemonLive = await isSocketLive('/var/lib/tsvirt/run/libvirt-sock');
if (systemDaemonLive)
  console.warn('a tsvirtd listens on /var/lib/tsvirt/run: the embed fallback is not checked');

describe('the CLI default connection', () => {
  it.skipIf(systemDaemonLive)('falls back to embed mode on ./var when no daemon listens', async () => {
    expect(await defaultUri()).toBe('qemu:///embed?root=./var');
  });

  it('uses ./var/run/libvirt-sock (or its -ro twin) when a daemon accepts there', async () => {
    const accept = (s: { destroy(): void }): void => s.destroy();
    servers.push(await listenUnix(join(dir, 'var/run/libvirt-sock'), { mode: 0o700 }, accept));
    servers.push(await listenUnix(join(dir, 'var/run/libvirt-sock-ro'), { mode: 0o777 }, accept));
    expect(await defaultUri()).toBe(`qemu+unix:///system?socket=${dir}/var/run/libvirt-sock`);
    expect(await defaultUri({ readOnly: true })).toBe(
      `qemu+unix:///system?socket=${dir}/var/run/libvirt-sock-ro`,
    );
  });

  it('lets TSVIRT_DEFAULT_URI override the choice', async () => {
    process.env.TSVIRT_DEFAULT_URI = 'qemu+tcp://127.0.0.1:1/system';
    expect(await defaultUri()).toBe('qemu+tcp://127.0.0.1:1/system');
  });
});
