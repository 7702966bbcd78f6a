import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findGroupId, lookupGroupId } from '../../src/daemon/group.js';
import { run } from '../../src/exec/index.js';
import {
  clearSocketPath,
  closeServer,
  isSocketLive,
  listenTcp,
  listenUnix,
} from '../../src/daemon/listeners.js';

let dir: string;
const servers: Server[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsvirtd-l-'));
});

afterEach(async () => {
  for (const s of servers.splice(0)) await closeServer(s);
  await rm(dir, { recursive: true, force: true });
});

/** Connects, writes a line, and resolves with what the listener echoed back. */
function echoOnce(target: { path: string } | { host: string; port: number }): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(target as { path: string });
    sock.once('error', reject);
    sock.once('data', (d) => {
      sock.destroy();
      resolve(d.toString());
    });
    sock.write('ping');
  });
}

const echo = (s: Socket): void => {
  s.once('data', (d) => s.end(d));
};

const isRoot = process.getuid?.() === 0;

describe('unix listeners', () => {
  it('listens with the configured mode and group, and hands over accepted sockets', async () => {
    const path = join(dir, 'run', 'libvirt-sock');
    const gid = await lookupGroupId('disk').catch(() => undefined);
    if (gid === undefined) console.warn('no group "disk" here: checking the mode only');
    servers.push(await listenUnix(path, { mode: 0o770, ...(gid === undefined ? {} : { gid }) }, echo));
    const st = await stat(path);
    expect(st.isSocket()).toBe(true);
    expect(st.mode & 0o7777).toBe(0o770);
    if (gid !== undefined) expect(st.gid).toBe(gid);
    expect(await echoOnce({ path })).toBe('ping');
  });

  it('replaces a stale socket file left by a dead daemon', async () => {
    const path = join(dir, 'libvirt-sock');
    // A socket bound by a process that then died: the file stays and nothing accepts on it.
    await run([
      'python3',
      '-c',
      `import socket;s=socket.socket(socket.AF_UNIX);s.bind(${JSON.stringify(path)})`,
    ]);
    expect((await stat(path)).isSocket()).toBe(true);
    expect(await isSocketLive(path)).toBe(false);
    servers.push(await listenUnix(path, { mode: 0o700 }, echo));
    expect(await echoOnce({ path })).toBe('ping');
  });

  it('refuses a socket path on which another daemon accepts', async () => {
    const path = join(dir, 'libvirt-sock');
    servers.push(await listenUnix(path, { mode: 0o700 }, echo));
    await expect(clearSocketPath(path)).rejects.toThrow(`another daemon listens on ${path}`);
    await expect(listenUnix(path, { mode: 0o700 }, echo)).rejects.toMatchObject({ code: 'ERR_ROOT_LOCKED' });
    expect(await echoOnce({ path })).toBe('ping');
  });

  it('refuses a path that is a regular file', async () => {
    const path = join(dir, 'libvirt-sock');
    await writeFile(path, 'x');
    await expect(clearSocketPath(path)).rejects.toThrow(`${path}: exists and is not a socket`);
  });

  it.skipIf(!isRoot)('names a group it cannot find', async () => {
    await expect(lookupGroupId('tsvirt-no-such-group')).rejects.toThrow(
      'unix_sock_group = "tsvirt-no-such-group": no such group in /etc/group; create it (groupadd tsvirt-no-such-group) or change unix_sock_group',
    );
  });
});

describe('tcp listener', () => {
  it('listens on the given address and reports a port in use by its address', async () => {
    const first = await listenTcp('127.0.0.1', 0, echo);
    servers.push(first);
    const port = (first.address() as { port: number }).port;
    expect(await echoOnce({ host: '127.0.0.1', port })).toBe('ping');
    await expect(listenTcp('127.0.0.1', port, echo)).rejects.toThrow(
      `127.0.0.1:${port}: address already in use; stop the other daemon (libvirtd?) or change tcp_port`,
    );
  });
});

describe('group file', () => {
  it('finds a gid by name and not by member', () => {
    const text = 'root:x:0:\nkvm:x:104:alice\nlibvirtd:x:990:\n';
    expect(findGroupId(text, 'libvirtd')).toBe(990);
    expect(findGroupId(text, 'alice')).toBeUndefined();
    expect(findGroupId(text, 'kv')).toBeUndefined();
  });
});
