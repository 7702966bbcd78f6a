/** nftables for a network with a bridge of its own: its table applied with `nft -f`, deleted at stop. */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { CommandFailedError, run } from '../exec/index.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import type { NetworkPart } from './backend.js';
import type { NetworkDef } from './network-def.js';
import { buildInNetnsArgv } from './netns-argv.js';
import { buildNftScript, buildTableName, needsIpForwarding } from './nft-ruleset.js';

const TIMEOUT_MS = 10_000;
/** The IPv4 forwarding switch of the namespace tsvirt runs in. */
const IP_FORWARD = '/proc/sys/net/ipv4/ip_forward';

/** nft's failure for a table that is not there, told apart by its stderr (nft exits 1 for all failures). */
export function isNoSuchTable(err: unknown): boolean {
  return err instanceof CommandFailedError && /No such file or directory/.test(err.stderr);
}

/** The network's firewall table, and IPv4 forwarding switched on where the network forwards. */
export class NftPart implements NetworkPart {
  readonly name = 'nftables';
  readonly restartable = true;
  readonly alongside = true;

  constructor(
    private readonly runDir: string,
    private readonly netns?: string,
  ) {}

  private async nft(args: readonly string[]): Promise<string> {
    return (await run(buildInNetnsArgv(this.netns, ['nft', ...args]), { timeoutMs: TIMEOUT_MS })).stdout;
  }

  private scriptPath(def: NetworkDef): string {
    return `${this.runDir}/${def.name}.nft`;
  }

  async start(def: NetworkDef): Promise<void> {
    const script = this.scriptPath(def);
    await writeFileAtomic(script, buildNftScript(def), 0o600);
    await this.nft(['-f', script]);
    // Switched on and left on at stop, as libvirt does: other networks or the host may rely on it.
    if (needsIpForwarding(def)) await this.enableForwarding();
  }

  /** net.ipv4.ip_forward=1: written in /proc/sys when tsvirt runs in the namespace it serves. */
  private async enableForwarding(): Promise<void> {
    if (this.netns !== undefined) {
      await run(buildInNetnsArgv(this.netns, ['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']), {
        timeoutMs: TIMEOUT_MS,
      });
      return;
    }
    if ((await readFile(IP_FORWARD, 'utf8')).trim() !== '1') await writeFile(IP_FORWARD, '1\n');
  }

  async stop(def: NetworkDef): Promise<void> {
    await this.nft(['delete', 'table', 'ip', buildTableName(def)]).catch((err: unknown) => {
      if (!isNoSuchTable(err)) throw err;
    });
    await rm(this.scriptPath(def), { force: true });
  }

  async isUp(def: NetworkDef): Promise<boolean> {
    try {
      await this.nft(['list', 'table', 'ip', buildTableName(def)]);
      return true;
    } catch (err) {
      if (isNoSuchTable(err)) return false;
      throw err;
    }
  }
}
