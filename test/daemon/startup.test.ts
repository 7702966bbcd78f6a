/** tsvirtd as a real process: what stops a start, with which message and exit status. */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CommandFailedError, run } from '../../src/exec/index.js';
import { makeDaemonRoot, TSVIRTD_JS, whyNoDist } from './daemon-harness.js';

const noDist = whyNoDist();
if (noDist) console.warn(`daemon start-up tests skipped: ${noDist}`);

const roots: string[] = [];
afterEach(async () => {
  for (const r of roots.splice(0)) await rm(r, { recursive: true, force: true });
});

/** Runs tsvirtd to its end; resolves with its exit status and output. */
async function runDaemon(
  args: string[],
): Promise<{ exitCode: number | undefined; stdout: string; stderr: string }> {
  try {
    const r = await run([process.execPath, TSVIRTD_JS, ...args], { timeoutMs: 20_000 });
    return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    if (!(err instanceof CommandFailedError)) throw err;
    return { exitCode: err.exitCode, stdout: err.stdout, stderr: err.stderr };
  }
}

async function rootWith(conf: string): Promise<{ root: string; confPath: string }> {
  const made = await makeDaemonRoot(conf);
  roots.push(made.root);
  return made;
}

describe.skipIf(noDist !== undefined)('tsvirtd start-up', () => {
  it('prints libvirtd-style help and its version', async () => {
    const help = await runDaemon(['--help']);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toMatch(/^Usage: tsvirtd \[options\]/);
    expect(help.stdout).toContain('-l | --listen');
    const version = await runDaemon(['-V']);
    expect(version.stdout).toMatch(/^tsvirtd \(tsvirt\) \d+\.\d+\.\d+\n$/);
  });

  it('stops at an unknown key with the file, line and key, and exits 1', async () => {
    const { root, confPath } = await rootWith('listen_tls = 0\nlisten_tpc = 1\n');
    const r = await runDaemon(['-f', confPath, '--root', root]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe(
      `error: ${confPath}:2: unknown key 'listen_tpc'; see tsvirtd --help for the keys tsvirtd takes\n`,
    );
  });

  it('refuses auth_tcp = "sasl" at start instead of serving without auth', async () => {
    const { root, confPath } = await rootWith('listen_tls = 0\nlisten_tcp = 1\nauth_tcp = "sasl"\n');
    const r = await runDaemon(['-f', confPath, '--root', root, '-l']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe(`error: ${confPath}:3: auth_tcp = "sasl" is not supported yet; use "none"\n`);
  });

  it('with --listen and TLS on (the default) but no server key, names key_file and leaves nothing behind', async () => {
    const { root, confPath } = await rootWith(
      'listen_tcp = 1\nauth_tcp = "none"\nkey_file = "no-such-dir/serverkey.pem"\n',
    );
    const r = await runDaemon(['-f', confPath, '--root', root, '-l']);
    expect(r.exitCode).toBe(1);
    const key = join(dirname(confPath), 'no-such-dir', 'serverkey.pem');
    expect(r.stderr).toBe(
      `error: key_file ${key}: cannot read it (ENOENT); TLS listens by default with --listen, so set key_file in the config file, or listen_tls = 0\n`,
    );
    for (const file of ['libvirt-sock', 'libvirt-sock-ro', 'tsvirtd.pid'])
      expect(existsSync(join(root, 'run', file))).toBe(false);
  });

  it('names a missing unix_sock_group and leaves no socket or pidfile behind', async () => {
    const { root, confPath } = await rootWith('unix_sock_group = "tsvirt-no-such-group"\n');
    const r = await runDaemon(['-f', confPath, '--root', root]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/unix_sock_group = "tsvirt-no-such-group": no such group/);
    expect(existsSync(join(root, 'run', 'libvirt-sock'))).toBe(false);
    expect(existsSync(join(root, 'run', 'tsvirtd.pid'))).toBe(false);
  });

  it('reports an unreadable config file and an unknown option', async () => {
    const { root } = await rootWith('');
    const missing = join(root, 'nope.conf');
    expect((await runDaemon(['-f', missing, '--root', root])).stderr).toMatch(
      new RegExp(`^error: ${missing}: cannot read the config file \\(ENOENT\\)`),
    );
    const bad = await runDaemon(['--lisen']);
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toBe("error: tsvirtd: unknown option '--lisen'; see tsvirtd --help\n");
  });
});
