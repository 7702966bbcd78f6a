/**
 * Domain statistics against the server with real clients: virsh domstats, domblkstat, domblkinfo,
 * domblkerror, domifstat and schedinfo, and libvirt-python's stats calls, with a running Linux guest
 * (TCG, 2 vCPUs, a virtio disk, a user-mode NIC, a virtio balloon) and an inactive boot-sector guest.
 */
import { readFileSync, statSync } from 'node:fs';
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureGuests, LINUX_READY_MARKER } from '../../../scripts/guests/paths.js';
import { findQemuBinary } from '../../../src/kvm/index.js';
import { run } from '../../../src/exec/index.js';
import { connectRemote } from '../../../src/remote/index.js';
import type { Connection } from '../../../src/connection.js';
import type { TypedParam } from '../../../src/api/types.js';
import { DomainStatsGroup } from '../../../src/api/stats-enums.js';
import {
  buildBootSectorXml,
  buildLinuxXml,
  isAlive,
  readPidFile,
  waitForText,
  waitUntil,
} from '../../driver/helpers.js';
import { startTestServer, type TestServer } from './server-fixture.js';
import { VIRSH, virsh, type VirshResult } from './virsh-harness.js';

const PYTHON = '/usr/bin/python3';
const FIXTURE = fileURLToPath(new URL('./fixtures/domain-stats.py', import.meta.url));
const hasQemu = findQemuBinary() !== undefined;
const hasPython = await run([PYTHON, '-c', 'import libvirt'], { timeoutMs: 10_000 }).then(
  () => true,
  () => false,
);
if (!VIRSH || !hasQemu) console.warn('skipping domain stats tests: virsh or qemu-system-x86_64 is absent');
if (!hasPython)
  console.warn('skipping the libvirt-python stats test: /usr/bin/python3 has no libvirt module');

const MAC = '52:54:00:5e:00:01';
const DISK_BYTES = 1024 * 1024;
const ok = (stdout: string): VirshResult => ({ code: 0, stdout, stderr: '' });
const fail = (stderr: string): VirshResult => ({ code: 1, stdout: '\n', stderr });

/** The Linux guest with 2 vCPUs, a raw virtio disk, a user-mode NIC and a virtio balloon. */
function buildGuestXml(guests: { linuxKernel: string; linuxInitrd: string }, disk: string): string {
  return buildLinuxXml('lin', guests, { append: 'tsvirt.shell=1' })
    .replace('<vcpu>1</vcpu>', '<vcpu>2</vcpu>')
    .replace(
      '</devices>',
      `  <disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='${disk}'/><target dev='vda' bus='virtio'/></disk>
    <interface type='user'><mac address='${MAC}'/><model type='virtio'/><rom enabled='no'/></interface>
    <memballoon model='virtio'/>
  </devices>`,
    );
}

/** `virsh domstats` output as domain → [name, value] pairs in order. */
function parseDomstats(text: string): Map<string, Array<[string, string]>> {
  const out = new Map<string, Array<[string, string]>>();
  let current: Array<[string, string]> = [];
  for (const line of text.split('\n')) {
    const dom = /^Domain: '(.+)'$/.exec(line);
    if (dom) out.set(dom[1]!, (current = []));
    const kv = /^ {2}([^=]+)=(.*)$/.exec(line);
    if (kv) current.push([kv[1]!, kv[2]!]);
  }
  return out;
}

/** One record's parameters by name. */
function byName(params: TypedParam[]): Map<string, TypedParam> {
  return new Map(params.map((p) => [p.name, p]));
}

const RUNNING_NAMES = [
  'state.state',
  'state.reason',
  'cpu.time',
  'cpu.user',
  'cpu.system',
  'cpu.cache.monitor.count',
  'balloon.current',
  'balloon.maximum',
  // The guest's virtio_balloon driver reports its memory figures; qemu keeps the last ones.
  ...['swap_in', 'swap_out', 'major_fault', 'minor_fault', 'unused', 'available', 'usable'].map(
    (f) => `balloon.${f}`,
  ),
  'balloon.last-update',
  ...['disk_caches', 'hugetlb_pgalloc', 'hugetlb_pgfail'].map((f) => `balloon.${f}`),
  'balloon.rss',
  'vcpu.current',
  'vcpu.maximum',
  ...[0, 1].flatMap((i) => ['state', 'time', 'wait', 'delay'].map((f) => `vcpu.${i}.${f}`)),
  'net.count',
  'block.count',
  'block.0.name',
  'block.0.path',
  'block.0.backingIndex',
  ...['rd.reqs', 'rd.bytes', 'rd.times', 'wr.reqs', 'wr.bytes', 'wr.times', 'fl.reqs', 'fl.times'].map(
    (f) => `block.0.${f}`,
  ),
  'block.0.allocation',
  'block.0.capacity',
  'block.0.physical',
];

describe.skipIf(!VIRSH || !hasQemu)('domain statistics with virsh and libvirt-python', () => {
  let srv: TestServer;
  let remote: Connection;
  let disk = '';
  let offImage = '';
  let pid = 0;
  let early: Map<string, TypedParam>;
  const v = (...args: string[]): Promise<VirshResult> => virsh(srv.unixUri, args);
  const statsOf = async (name: string, groups = 0): Promise<Map<string, TypedParam>> => {
    const records = await remote.getAllDomainStats(groups, 0, [await remote.lookupDomainByName(name)]);
    return byName(records[0]!.params);
  };

  beforeAll(async () => {
    const guests = await ensureGuests();
    srv = await startTestServer();
    disk = join(srv.root, 'data.img');
    await writeFile(disk, Buffer.alloc(DISK_BYTES, 0x5a), { mode: 0o600 });
    offImage = join(srv.root, 'off.img');
    await copyFile(guests.bootSectorImage, offImage);
    await srv.conn.domainDefineXML(buildBootSectorXml('off', offImage));
    const lin = await srv.conn.domainDefineXML(buildGuestXml(guests, disk));
    remote = await connectRemote(srv.tcpUri);
    await srv.conn.domainCreate(lin);
    pid = readPidFile(srv.root, 'lin');
    early = await statsOf('lin');
    const serialLog = join(srv.root, 'log', 'qemu', 'lin.serial.log');
    await waitForText(serialLog, LINUX_READY_MARKER, 60_000);
    await waitForText(serialLog, '/ # ', 30_000);
  }, 120_000);

  afterAll(async () => {
    if (!srv) return;
    await remote?.close();
    await srv.conn.domainDestroy(await srv.conn.lookupDomainByName('lin')).catch(() => undefined);
    expect(await srv.stop()).toEqual([]);
    if (pid) expect(isAlive(pid)).toBe(false);
  }, 30_000);

  it("prints libvirt's groups and names for a running domain, and an inactive one's sizes from its image", async () => {
    const r = await v('domstats');
    expect(r.code).toBe(0);
    const all = parseDomstats(r.stdout);
    expect([...all.keys()].sort()).toEqual(['lin', 'off']);
    expect(all.get('lin')!.map(([n]) => n)).toEqual(RUNNING_NAMES);
    const lin = new Map(all.get('lin'));
    expect(lin.get('state.state')).toBe('1');
    expect(lin.get('state.reason')).toBe('1');
    expect(lin.get('balloon.maximum')).toBe('262144');
    expect(lin.get('vcpu.current')).toBe('2');
    expect(lin.get('vcpu.0.state')).toBe('1');
    expect(lin.get('net.count')).toBe('1'); // a user-mode NIC has no host interface: no net.0.*
    expect(lin.get('block.0.name')).toBe('vda');
    expect(lin.get('block.0.path')).toBe(disk);
    expect(lin.get('block.0.capacity')).toBe(String(DISK_BYTES));
    expect(Number(lin.get('balloon.rss'))).toBeGreaterThan(10_000);
    const alloc = statSync(offImage).blocks * 512;
    expect(await v('domstats', 'off')).toEqual(
      ok(
        "Domain: 'off'\n  state.state=5\n  state.reason=0\n  balloon.current=65536\n  balloon.maximum=65536\n" +
          `  vcpu.current=1\n  vcpu.maximum=1\n  block.count=1\n  block.0.name=hda\n  block.0.path=${offImage}\n` +
          `  block.0.allocation=${alloc}\n  block.0.capacity=1048576\n  block.0.physical=1048576\n\n`,
      ),
    );
    expect(await v('domstats', '--list-inactive', '--state')).toEqual(
      ok("Domain: 'off'\n  state.state=5\n  state.reason=0\n\n"),
    );
    expect((await v('domstats', '--list-running', '--vcpu')).stdout).toMatch(
      /^Domain: 'lin'\n {2}vcpu\.current=2\n {2}vcpu\.maximum=2\n {2}vcpu\.0\.state=1\n {2}vcpu\.0\.time=\d+\n/,
    );
    expect(await v('domstats', '--enforce', '--perf')).toEqual(
      fail('error: argument unsupported: Stats types bits 0x40 are not supported by this daemon\n'),
    );
  });

  it('gives each parameter its libvirt type over the wire', async () => {
    const s = await statsOf('lin');
    const types = Object.fromEntries([...s.values()].map((p) => [p.name, p.type]));
    expect(types).toMatchObject({
      'state.state': 'int',
      'state.reason': 'int',
      'cpu.time': 'ullong',
      'balloon.current': 'ullong',
      'vcpu.current': 'uint',
      'vcpu.1.state': 'int',
      'vcpu.1.delay': 'ullong',
      'net.count': 'uint',
      'block.count': 'uint',
      'block.0.name': 'string',
      'block.0.backingIndex': 'uint',
      'block.0.rd.reqs': 'ullong',
      'block.0.physical': 'ullong',
    });
    const stateOnly = await remote.getAllDomainStats(DomainStatsGroup.STATE, 0);
    expect(stateOnly.map((r) => [r.dom.name, r.params.map((p) => p.name)]).sort()).toEqual([
      ['lin', ['state.state', 'state.reason']],
      ['off', ['state.state', 'state.reason']],
    ]);
  });

  it('moves cpu.time, vCPU time and the disk read counters while the guest reads its disk', async () => {
    const before = await statsOf('lin');
    const num = (s: Map<string, TypedParam>, n: string): bigint => s.get(n)!.value as bigint;
    // Booting probed the disk: reads since the first sample, taken right after start.
    expect(num(before, 'block.0.rd.reqs')).toBeGreaterThan(num(early, 'block.0.rd.reqs'));
    expect(num(before, 'cpu.time')).toBeGreaterThan(num(early, 'cpu.time'));
    const console = await remote.domainOpenConsole(await remote.lookupDomainByName('lin'));
    let seen = '';
    console.on('data', (c: Buffer) => (seen += c.toString('latin1')));
    console.write('echo 3 > /proc/sys/vm/drop_caches; cat /dev/vda > /dev/null; echo read-$((40+2))\n');
    await waitUntil(() => seen.includes('read-42'), 30_000, 'the read to finish');
    console.destroy();
    const after = await statsOf('lin');
    expect(num(after, 'block.0.rd.reqs')).toBeGreaterThan(num(before, 'block.0.rd.reqs'));
    expect(num(after, 'block.0.rd.bytes') - num(before, 'block.0.rd.bytes')).toBeGreaterThanOrEqual(
      BigInt(DISK_BYTES / 2),
    );
    expect(num(after, 'cpu.time')).toBeGreaterThan(num(before, 'cpu.time'));
    const vcpuTime = (s: Map<string, TypedParam>): bigint => num(s, 'vcpu.0.time') + num(s, 'vcpu.1.time');
    expect(vcpuTime(after)).toBeGreaterThan(vcpuTime(before));
  }, 60_000);

  it('prints domblkstat, domblkinfo, domblkerror and schedinfo as against libvirtd', async () => {
    const s = await statsOf('lin', DomainStatsGroup.BLOCK);
    const val = (n: string): string => String(s.get(`block.0.${n}`)!.value);
    const lines = [
      ['rd_req', val('rd.reqs')],
      ['rd_bytes', val('rd.bytes')],
      ['wr_req', val('wr.reqs')],
      ['wr_bytes', val('wr.bytes')],
      ['flush_operations', val('fl.reqs')],
      ['rd_total_times', val('rd.times')],
      ['wr_total_times', val('wr.times')],
      ['flush_total_times', val('fl.times')],
    ];
    expect(await v('domblkstat', 'lin', 'vda')).toEqual(
      ok(`${lines.map(([k, x]) => `vda ${k} ${x}`).join('\n')}\n\n`),
    );
    expect(await v('domblkstat', 'lin')).toEqual(ok(`${lines.map(([k, x]) => ` ${k} ${x}`).join('\n')}\n\n`));
    const allocated = statSync(disk).blocks * 512;
    expect(await v('domblkinfo', 'lin', 'vda')).toEqual(
      ok(`Capacity:       ${DISK_BYTES}\nAllocation:     ${allocated}\nPhysical:       ${DISK_BYTES}\n\n`),
    );
    expect(await v('domblkinfo', 'lin', disk)).toEqual(await v('domblkinfo', 'lin', 'vda'));
    expect(await v('domblkinfo', 'lin', '--all', '--human')).toEqual(
      ok(
        ' Target   Capacity    Allocation   Physical\n----------------------------------------------\n' +
          ` vda      1.000 MiB   ${(allocated / 1048576).toFixed(3)} MiB    1.000 MiB\n\n`,
      ),
    );
    expect(await v('domblkerror', 'lin')).toEqual(ok('No errors found\n\n'));
    const cg = /^\d+:(?:[^:]*,)?cpu(?:,[^:]*)?:(.*)$/m.exec(readFileSync(`/proc/${pid}/cgroup`, 'utf8'));
    const dir = `/sys/fs/cgroup/cpu${cg?.[1] === '/' ? '' : (cg?.[1] ?? '')}`;
    const read = (f: string): string => readFileSync(join(dir, f), 'utf8').trim();
    const [shares, period, quota] = [read('cpu.shares'), read('cpu.cfs_period_us'), read('cpu.cfs_quota_us')];
    const sched = (sh: string, pe: string, qu: string): string =>
      `Scheduler      : posix\ncpu_shares     : ${sh}\n` +
      ['vcpu', 'emulator', 'global', 'iothread']
        .map((x) => `${`${x}_period`.padEnd(15)}: ${pe}\n${`${x}_quota`.padEnd(15)}: ${qu}\n`)
        .join('') +
      '\n';
    expect(await v('schedinfo', 'lin')).toEqual(ok(sched(shares, period, quota)));
    expect(await v('schedinfo', 'lin', '--config')).toEqual(ok(sched('0', '0', '0')));
    expect(await v('schedinfo', 'off')).toEqual(ok(sched('0', '0', '0')));
    const set = await v('schedinfo', 'lin', '--set', 'cpu_shares=512', '--live');
    expect(set.code).toBe(1);
    expect(set.stderr).toMatch(
      /^error: domain 'lin': cannot set cpu_shares: tsvirt gives a domain no cgroup/,
    );
  });

  it('refuses unknown disks and interfaces, user-mode NICs and inactive domains as libvirtd does', async () => {
    expect(await v('domblkstat', 'lin', 'sdz')).toEqual(fail('error: invalid argument: invalid path: sdz\n'));
    expect(await v('domblkinfo', 'lin', 'sdz')).toEqual(
      fail('error: invalid argument: invalid path sdz not assigned to domain\n'),
    );
    expect(await v('domifstat', 'lin', MAC)).toEqual(
      fail(
        `error: Failed to get interface stats lin ${MAC}\nerror: internal error: Interface name not provided\n`,
      ),
    );
    expect(await v('domifstat', 'lin', 'nope')).toEqual(
      fail(
        "error: Failed to get interface stats lin nope\nerror: invalid argument: 'nope' is not a known interface\n",
      ),
    );
    const notRunning = 'error: Requested operation is not valid: domain is not running\n';
    expect(await v('domblkstat', 'off', 'hda')).toEqual(fail(notRunning));
    expect(await v('domblkerror', 'off')).toEqual(fail(notRunning));
  });

  it.skipIf(!hasPython)(
    'answers libvirt-python: bulk stats, filters, list stats, block, scheduler, refusals',
    async () => {
      const r = await run([PYTHON, FIXTURE, srv.tcpUri, 'lin', 'off'], { timeoutMs: 60_000 });
      const out = JSON.parse(r.stdout) as Record<string, unknown>;
      const poll = out.virt_manager_poll as Record<string, Record<string, number>>;
      expect(Object.keys(poll).sort()).toEqual(['lin', 'off']);
      expect(poll.lin!['cpu.time']).toBeGreaterThan(0);
      expect(poll.lin!['vcpu.current']).toBe(2);
      expect(poll.off).toEqual({ 'state.state': 5, 'state.reason': 0, 'vcpu.current': 1, 'vcpu.maximum': 1 });
      expect(out.active_only).toEqual(['lin']);
      expect(out.inactive_only).toEqual(['off']);
      expect(out.list_get_stats).toEqual({ off: { 'balloon.current': 65536, 'balloon.maximum': 65536 } });
      // libvirtd sends VIR_ERR_ARGUMENT_UNSUPPORTED; tsvirt's error table gives its unsupported errors NO_SUPPORT (3).
      expect(out.enforce).toEqual([
        3,
        'argument unsupported: Stats types bits 0x40 are not supported by this daemon',
      ]);
      const [rdReq, rdBytes, wrReq, wrBytes, errs] = out.block_stats as number[];
      expect(rdReq).toBeGreaterThan(0);
      expect(rdBytes).toBeGreaterThanOrEqual(DISK_BYTES / 2);
      expect([wrReq, wrBytes, errs]).toEqual([0, 0, -1]);
      expect(Object.keys(out.block_stats_flags as object)).toEqual([
        'rd_operations',
        'rd_bytes',
        'wr_operations',
        'wr_bytes',
        'flush_operations',
        'rd_total_times',
        'wr_total_times',
        'flush_total_times',
      ]);
      expect(out.block_info).toEqual([DISK_BYTES, statSync(disk).blocks * 512, DISK_BYTES]);
      expect(out.disk_errors).toEqual({});
      expect(out.scheduler_type).toEqual(['posix', 9]);
      expect(Object.keys(out.scheduler_params as object)).toHaveLength(9);
      expect((out.scheduler_set as [number, string])[1]).toMatch(/cannot set cpu_shares/);
      expect(out.iface_user).toEqual([1, 'internal error: Interface name not provided']);
      expect(out.block_bad).toEqual([8, 'invalid argument: invalid path: sdz']);
      expect(out.block_off).toEqual([55, 'Requested operation is not valid: domain is not running']);
    },
    60_000,
  );
});
