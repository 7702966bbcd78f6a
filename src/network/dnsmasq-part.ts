/**
 * dnsmasq as the DHCP and DNS server of a network with a bridge of its own: its files under
 * ROOT/run/network, the process started in its own session through the exec wrapper, its pid checked
 * before any signal, SIGHUP after a change of DHCP or DNS hosts, and its lease file for net-dhcp-leases.
 */
import { readFile, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { TsvirtError } from '../errors.js';
import { spawnDetached } from '../exec/index.js';
import { waitForExit } from '../driver/proc.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import type { DhcpLeaseRecord, NetworkPart } from './backend.js';
import {
  buildAddnHostsFile,
  buildDhcpHostsFile,
  buildDnsmasqConfig,
  buildDnsmasqPaths,
  parseDnsmasqLeases,
  type DnsmasqPaths,
} from './dnsmasq-config.js';
import { isDnsmasqOfConfig, readDnsmasqPid, waitForDnsmasqReady } from './dnsmasq-process.js';
import type { NetworkDef } from './network-def.js';
import { buildInNetnsArgv } from './netns-argv.js';

const READY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;
/** dnsmasq reads the config as root; the hosts files it reads again after dropping to nobody. */
const FILE_MODE = 0o644;

/** Whether every folder from `dir` up to `/` lets others through, so that dnsmasq's user can reach its files. */
async function isReachableByOthers(dir: string): Promise<boolean> {
  for (let d = dir; ; d = dirname(d)) {
    const s = await stat(d).catch(() => undefined);
    if (!s || (s.mode & 0o001) === 0) return false;
    if (d === dirname(d)) return true;
  }
}

/** The dnsmasq of one network. */
export class DnsmasqPart implements NetworkPart {
  readonly name = 'dnsmasq';
  readonly restartable = true;
  readonly alongside = true;

  constructor(
    private readonly runDir: string,
    private readonly netns?: string,
  ) {}

  private paths(def: NetworkDef): DnsmasqPaths {
    return buildDnsmasqPaths(this.runDir, def.name);
  }

  async start(def: NetworkDef): Promise<void> {
    const p = this.paths(def);
    // dnsmasq drops to nobody, which must read the hosts files again at SIGHUP; under a root that
    // others cannot enter it keeps root's user instead.
    const user = (await isReachableByOthers(this.runDir)) ? undefined : 'root';
    await writeFileAtomic(p.conf, buildDnsmasqConfig(def, p, user), FILE_MODE);
    await this.writeHosts(def, p);
    await rm(p.pidFile, { force: true });
    const logFile = `${this.runDir}/${def.name}.log`;
    // The log is appended to across starts: only what this start wrote explains its failure.
    const logOffset = (await stat(logFile).catch(() => undefined))?.size ?? 0;
    const argv = buildInNetnsArgv(this.netns, [
      'dnsmasq',
      '--keep-in-foreground',
      '--log-facility=-',
      `--conf-file=${p.conf}`,
    ]);
    const child = await spawnDetached(argv, { logFile, umask: 0o022 });
    if (await waitForDnsmasqReady(child.pid, p.pidFile, READY_TIMEOUT_MS)) return;
    await this.stop(def);
    const log = (await readFile(logFile).catch(() => Buffer.alloc(0))).subarray(logOffset).toString('utf8');
    throw new TsvirtError(
      'ERR_OPERATION_FAILED',
      `network '${def.name}': dnsmasq did not start: ${log.trim().split('\n').slice(-3).join(' / ') || 'no output'}`,
      { network: def.name, argv },
    );
  }

  async stop(def: NetworkDef): Promise<void> {
    const p = this.paths(def);
    const pid = await readDnsmasqPid(p.pidFile);
    if (pid !== undefined && isDnsmasqOfConfig(pid, p.conf)) {
      process.kill(pid, 'SIGTERM');
      if (!(await waitForExit(pid, STOP_TIMEOUT_MS)) && isDnsmasqOfConfig(pid, p.conf))
        process.kill(pid, 'SIGKILL');
    }
    // The lease file stays, so that a network started again hands guests back their addresses.
    for (const file of [p.pidFile, p.conf, p.hostsFile, p.addnHosts]) await rm(file, { force: true });
  }

  async isUp(def: NetworkDef): Promise<boolean> {
    const p = this.paths(def);
    const pid = await readDnsmasqPid(p.pidFile);
    return pid !== undefined && isDnsmasqOfConfig(pid, p.conf);
  }

  /** Rewrites the hosts files and has dnsmasq read them again (SIGHUP). */
  async update(def: NetworkDef): Promise<void> {
    const p = this.paths(def);
    await this.writeHosts(def, p);
    const pid = await readDnsmasqPid(p.pidFile);
    if (pid === undefined || !isDnsmasqOfConfig(pid, p.conf)) {
      throw new TsvirtError(
        'ERR_OPERATION_FAILED',
        `network '${def.name}': its dnsmasq is not running; restart the network with net-destroy and net-start`,
        { network: def.name },
      );
    }
    process.kill(pid, 'SIGHUP');
  }

  async leases(def: NetworkDef): Promise<DhcpLeaseRecord[]> {
    const text = await readFile(this.paths(def).leaseFile, 'utf8').catch(() => '');
    return parseDnsmasqLeases(text, def, Math.floor(Date.now() / 1000));
  }

  private async writeHosts(def: NetworkDef, p: DnsmasqPaths): Promise<void> {
    await writeFileAtomic(p.hostsFile, buildDhcpHostsFile(def), FILE_MODE);
    await writeFileAtomic(p.addnHosts, buildAddnHostsFile(def), FILE_MODE);
  }
}
