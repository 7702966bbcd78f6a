/**
 * The net-* verbs of `tsvirt` on an embedded root: what needs no host networking (define, list, info,
 * dumpxml, update of the config, autostart, undefine) runs anywhere; start, destroy and the DHCP
 * leases of a real DHCP client run with the CLI inside a network namespace the test makes.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  formatExpiry,
  parseUpdateCommand,
  parseUpdateSection,
} from '../../src/cli/commands/network-update.js';
import { buildEmbedUri } from '../../src/embedded/embedded-connection.js';
import { run } from '../../src/exec/index.js';
import { findProcessesUnder } from '../driver/helpers.js';
import { createNetns, probeNetnsProblem, type TestNetns } from '../network/netns.js';
import { CLI, hasCli, tsvirt } from './cli-harness.js';

const LAB_XML = `<network><name>lab</name><uuid>4a1b0c2d-0000-4000-8000-00000000000a</uuid>
<bridge name='tsvclibr0'/><mac address='52:54:00:0a:0b:0c'/>
<ip address='10.66.0.1' prefix='24'><dhcp><range start='10.66.0.50' end='10.66.0.99'/></dhcp></ip></network>`;

const LAB_DUMP = `<network>
  <name>lab</name>
  <uuid>4a1b0c2d-0000-4000-8000-00000000000a</uuid>
  <bridge name='tsvclibr0' stp='on' delay='0'/>
  <mac address='52:54:00:0a:0b:0c'/>
  <ip address='10.66.0.1' prefix='24'>
    <dhcp>
      <range start='10.66.0.50' end='10.66.0.99'/>
    </dhcp>
  </ip>
</network>

`;

describe('net-update and net-dhcp-leases arguments', () => {
  it("maps virsh's command and section names to libvirt's numbers, add being add-last", () => {
    expect(['modify', 'delete', 'add-last', 'add', 'add-first'].map(parseUpdateCommand)).toEqual([
      1, 2, 3, 3, 4,
    ]);
    expect(parseUpdateSection('ip-dhcp-host')).toBe(4);
    expect(parseUpdateSection('dns-host')).toBe(10);
    expect(parseUpdateSection('dns-srv')).toBe(12);
    expect(() => parseUpdateCommand('append')).toThrow("unrecognized command name 'append'");
    expect(() => parseUpdateSection('dhcp')).toThrow("unrecognized section name 'dhcp'");
  });

  it('prints a lease expiry in local time as YYYY-MM-DD HH:MM:SS', () => {
    const at = new Date(2026, 11, 7, 9, 5, 3);
    expect(formatExpiry(BigInt(at.getTime() / 1000))).toBe('2026-12-07 09:05:03');
  });
});

describe.skipIf(!hasCli)('the net-* verbs on an embedded root', () => {
  let root = '';
  const t = (...args: string[]) => tsvirt(root, args);

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'tsvnet-'));
    await writeFile(join(root, 'lab.xml'), LAB_XML);
  });
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('net-define defines the network; net-list shows only active ones, --all and --inactive the rest', async () => {
    const file = join(root, 'lab.xml');
    expect(await t('net-define', file)).toEqual({
      code: 0,
      stdout: `Network lab defined from ${file}\n\n`,
      stderr: '',
    });
    expect((await t('net-list')).stdout).toBe(
      ' Name   State   Autostart   Persistent\n----------------------------------------\n\n',
    );
    const all =
      ' Name      State      Autostart   Persistent\n' +
      '----------------------------------------------\n' +
      ' default   inactive   no          yes\n' +
      ' lab       inactive   no          yes\n\n';
    expect((await t('net-list', '--all')).stdout).toBe(all);
    expect((await t('net-list', '--inactive')).stdout).toBe(all);
    expect((await t('net-list', '--all', '--name')).stdout).toBe('default\nlab\n\n');
    expect((await t('net-list', '--name')).stdout).toBe('\n');
  }, 30_000);

  it('net-info prints the name, uuid, state, persistence, autostart and bridge; by uuid too', async () => {
    const want =
      'Name:           lab\nUUID:           4a1b0c2d-0000-4000-8000-00000000000a\nActive:         no\n' +
      'Persistent:     yes\nAutostart:      no\nBridge:         tsvclibr0\n\n';
    expect(await t('net-info', 'lab')).toEqual({ code: 0, stdout: want, stderr: '' });
    expect((await t('net-info', '4a1b0c2d-0000-4000-8000-00000000000a')).stdout).toBe(want);
    expect(await t('net-info', 'nope')).toEqual({
      code: 1,
      stdout: '',
      stderr: "error: failed to get network 'nope'\n",
    });
  }, 30_000);

  it('net-dumpxml prints the definition with its defaults filled in', async () => {
    expect(await t('net-dumpxml', 'lab')).toEqual({ code: 0, stdout: LAB_DUMP, stderr: '' });
    expect((await t('net-dumpxml', 'lab', '--inactive')).stdout).toBe(LAB_DUMP);
  }, 30_000);

  it('net-autostart marks and unmarks the network, and net-list shows it', async () => {
    expect((await t('net-autostart', 'lab')).stdout).toBe('Network lab marked as autostarted\n\n');
    expect((await t('net-list', '--all', '--autostart')).stdout).toMatch(/\n lab +inactive +yes +yes\n\n$/);
    expect((await t('net-list', '--all', '--no-autostart', '--name')).stdout).toBe('default\n\n');
    expect((await t('net-autostart', '--disable', 'lab')).stdout).toBe(
      'Network lab unmarked as autostarted\n\n',
    );
    expect((await t('net-info', 'lab')).stdout).toContain('Autostart:      no\n');
  }, 30_000);

  it('net-update adds, modifies and deletes DHCP hosts and DNS hosts of the persistent config', async () => {
    const host = "<host mac='52:54:00:66:00:01' name='h1' ip='10.66.0.10'/>";
    expect(await t('net-update', 'lab', 'add', 'ip-dhcp-host', host, '--config')).toEqual({
      code: 0,
      stdout: 'Updated network lab persistent config\n',
      stderr: '',
    });
    const dnsFile = join(root, 'dns-host.xml');
    await writeFile(dnsFile, "<host ip='10.66.0.20'><hostname>files</hostname></host>");
    // Neither --live nor --config: the current state, which is the config of an inactive network.
    expect((await t('net-update', 'lab', 'add-first', 'dns-host', dnsFile)).stdout).toBe(
      'Updated network lab persistent config\n',
    );
    const modified = "<host mac='52:54:00:66:00:01' name='h1' ip='10.66.0.11'/>";
    expect((await t('net-update', 'lab', 'modify', 'ip-dhcp-host', modified, '--config')).code).toBe(0);
    let xml = (await t('net-dumpxml', 'lab', '--inactive')).stdout;
    expect(xml).toContain("<host mac='52:54:00:66:00:01' name='h1' ip='10.66.0.11'/>");
    expect(xml).toContain("<host ip='10.66.0.20'>\n      <hostname>files</hostname>\n    </host>");
    expect((await t('net-update', 'lab', 'delete', 'ip-dhcp-host', modified, '--config')).code).toBe(0);
    expect((await t('net-update', 'lab', 'delete', 'dns-host', dnsFile, '--current')).code).toBe(0);
    xml = (await t('net-dumpxml', 'lab', '--inactive')).stdout;
    expect(xml).not.toContain('52:54:00:66:00:01');
    expect(xml).not.toContain('10.66.0.20');
  }, 60_000);

  it('net-update refuses a live change of an inactive network, unknown names and --current with --live', async () => {
    const host = "<host mac='52:54:00:66:00:02' ip='10.66.0.12'/>";
    const live = await t('net-update', 'lab', 'add', 'ip-dhcp-host', host, '--live');
    expect(live.code).toBe(1);
    expect(live.stderr).toBe("error: network 'lab' is not active; update its config with --config\n");
    expect((await t('net-update', 'lab', 'append', 'ip-dhcp-host', host)).stderr).toBe(
      "error: unrecognized command name 'append'\n",
    );
    expect((await t('net-update', 'lab', 'add', 'dhcp', host)).stderr).toBe(
      "error: unrecognized section name 'dhcp'\n",
    );
    expect((await t('net-update', 'lab', 'add', 'ip-dhcp-host', host, '--current', '--live')).stderr).toBe(
      'error: Options --current and --live are mutually exclusive\n',
    );
    const range = await t(
      'net-update',
      'lab',
      'add',
      'ip-dhcp-range',
      "<range start='10.66.0.2' end='10.66.0.3'/>",
    );
    expect(range.code).toBe(1);
    expect(range.stderr).toMatch(/^error: network update of section 5 is not supported/);
  }, 60_000);

  it('net-dhcp-leases of an inactive network prints an empty table', async () => {
    expect((await t('net-dhcp-leases', 'lab')).stdout).toBe(
      ' Expiry Time   MAC address   Protocol   IP address   Hostname   Client ID or DUID\n' +
        `${'-'.repeat(83)}\n\n`,
    );
  }, 30_000);

  it("documents the verbs in help, net-update's commands and sections too", async () => {
    const all = (await t('help')).stdout;
    for (const verb of ['net-list', 'net-info', 'net-define', 'net-start', 'net-update', 'net-dhcp-leases'])
      expect(all).toMatch(new RegExp(`^  ${verb} +\\S`, 'm'));
    const update = (await t('net-update', '--help')).stdout;
    expect(update).toContain('Usage: tsvirt net-update <network> <command> <section> <xml>');
    expect(update).toContain('section: ip-dhcp-host or dns-host');
  }, 30_000);

  it('net-undefine removes the definition', async () => {
    expect((await t('net-undefine', 'lab')).stdout).toBe('Network lab has been undefined\n\n');
    expect((await t('net-list', '--all', '--name')).stdout).toBe('default\n\n');
    expect((await t('net-info', 'lab')).code).toBe(1);
  }, 30_000);
});

const netnsProblem = hasCli
  ? ((await probeNetnsProblem()) ?? (await findMissingTool()))
  : 'dist/ is not built';
if (netnsProblem) console.warn(`skipping the net-start/net-destroy CLI tests: ${netnsProblem}`);

async function findMissingTool(): Promise<string | undefined> {
  for (const tool of ['dnsmasq', 'nft', 'busybox']) {
    if (!(await run(['sh', '-c', `command -v ${tool}`]).catch(() => undefined)))
      return `${tool} is not installed (scripts/setup.sh installs it)`;
  }
  return undefined;
}

describe.skipIf(netnsProblem !== undefined)(
  'net-start, net-dhcp-leases and net-destroy in a namespace',
  () => {
    let ns: TestNetns;
    let root = '';
    /** The CLI run inside the namespace, so that the network's bridge and dnsmasq are made there. */
    const t = async (...args: string[]) => {
      const r = await run(['ip', 'netns', 'exec', ns.name, 'node', CLI, '-c', buildEmbedUri(root), ...args], {
        timeoutMs: 60_000,
        okExitCodes: [1],
      });
      return { code: r.exitCode, stdout: r.stdout, stderr: r.stderr };
    };

    beforeAll(async () => {
      ns = await createNetns();
      root = await mkdtemp(join(tmpdir(), 'tsvnetns-'));
      await writeFile(join(root, 'lab.xml'), LAB_XML);
    }, 30_000);
    afterAll(async () => {
      if (root) await t('net-destroy', 'lab').catch(() => undefined);
      const left = root ? await findProcessesUnder(root) : [];
      await ns?.remove();
      if (root) await rm(root, { recursive: true, force: true });
      expect(left).toEqual([]);
    }, 30_000);

    it('net-start makes the bridge with its address, and net-list and net-info show it active', async () => {
      expect((await t('net-define', join(root, 'lab.xml'))).code).toBe(0);
      expect(await t('net-start', 'lab')).toEqual({ code: 0, stdout: 'Network lab started\n\n', stderr: '' });
      expect(await ns.ip(['-o', '-4', 'addr', 'show', 'dev', 'tsvclibr0'])).toContain('inet 10.66.0.1/24');
      expect((await t('net-list')).stdout).toBe(
        ' Name   State    Autostart   Persistent\n' +
          '-----------------------------------------\n' +
          ' lab    active   no          yes\n\n',
      );
      expect((await t('net-info', 'lab')).stdout).toContain('Active:         yes\n');
    }, 60_000);

    it('net-dhcp-leases lists the lease a DHCP client on the bridge got, also filtered by MAC', async () => {
      await ns.ip([
        'link',
        'add',
        'tsvc0',
        'address',
        '52:54:00:66:00:aa',
        'type',
        'veth',
        'peer',
        'name',
        'tsvc1',
      ]);
      await ns.ip(['link', 'set', 'tsvc1', 'master', 'tsvclibr0', 'up']);
      await ns.ip(['link', 'set', 'tsvc0', 'up']);
      // -s /bin/true: take the lease without configuring the address; dnsmasq records it all the same.
      await run(
        [
          'ip',
          'netns',
          'exec',
          ns.name,
          'busybox',
          'udhcpc',
          '-i',
          'tsvc0',
          '-n',
          '-q',
          '-t',
          '10',
          '-x',
          'hostname:clihost',
          '-s',
          '/bin/true',
        ],
        { timeoutMs: 60_000 },
      );
      const out = (await t('net-dhcp-leases', 'lab')).stdout;
      expect(out).toMatch(
        /^ Expiry Time +MAC address +Protocol +IP address +Hostname +Client ID or DUID\n-+\n \d{4}-\d\d-\d\d \d\d:\d\d:\d\d +52:54:00:66:00:aa +ipv4 +10\.66\.0\.(5\d|[6-9]\d)\/24 +clihost +\S+\n\n$/,
      );
      expect((await t('net-dhcp-leases', 'lab', '52:54:00:66:00:aa')).stdout).toBe(out);
      expect((await t('net-dhcp-leases', 'lab', '--mac', '52:54:00:66:00:bb')).stdout).not.toContain('52:54');
    }, 90_000);

    it('net-update --live adds a DHCP host to the running network and --config keeps it', async () => {
      const host = "<host mac='52:54:00:66:00:cc' name='fixed' ip='10.66.0.30'/>";
      expect((await t('net-update', 'lab', 'add', 'ip-dhcp-host', host, '--live', '--config')).stdout).toBe(
        'Updated network lab persistent config and live state\n',
      );
      expect((await t('net-dumpxml', 'lab')).stdout).toContain(host);
      expect((await t('net-dumpxml', 'lab', '--inactive')).stdout).toContain(host);
    }, 60_000);

    it('net-create starts a transient network, which net-destroy removes', async () => {
      const file = join(root, 'tmp.xml');
      await writeFile(
        file,
        "<network><name>tmpnet</name><bridge name='tsvclibr1'/><ip address='10.67.0.1' prefix='24'/></network>",
      );
      expect((await t('net-create', file)).stdout).toBe(`Network tmpnet created from ${file}\n\n`);
      expect((await t('net-list', '--transient')).stdout).toMatch(/\n tmpnet +active +no +no\n\n$/);
      expect(await ns.ip(['-o', '-4', 'addr', 'show', 'dev', 'tsvclibr1'])).toContain('inet 10.67.0.1/24');
      expect((await t('net-destroy', 'tmpnet')).stdout).toBe('Network tmpnet destroyed\n\n');
      expect((await t('net-info', 'tmpnet')).code).toBe(1);
    }, 60_000);

    it('net-destroy removes the bridge and ends dnsmasq', async () => {
      expect(await t('net-destroy', 'lab')).toEqual({
        code: 0,
        stdout: 'Network lab destroyed\n\n',
        stderr: '',
      });
      expect(await ns.ip(['-o', 'link', 'show'])).not.toContain('tsvclibr0');
      expect(await findProcessesUnder(root)).toEqual([]);
      expect((await t('net-list', '--all', '--name')).stdout).toBe('default\nlab\n\n');
    }, 60_000);
  },
);
