/** iproute2 (`ip`) through the one exec wrapper, optionally inside a named network namespace. */
import { run } from '../exec/index.js';
import { CommandFailedError } from '../exec/index.js';
import type { HostNetwork } from './backend.js';
import { buildIpBatch } from './bridge-argv.js';
import { parseIpRouteJson, type HostRoute } from './host-routes.js';

const TIMEOUT_MS = 10_000;

/** Runs `ip` commands; with `netns`, each one runs inside that namespace (`ip -n NAME ...`). */
export class IpTool implements HostNetwork {
  constructor(private readonly netns?: string) {}

  /** Runs `ip ARGS...` and returns its stdout. */
  async run(args: readonly string[]): Promise<string> {
    const prefix = this.netns === undefined ? ['ip'] : ['ip', '-n', this.netns];
    return (await run([...prefix, ...args], { timeoutMs: TIMEOUT_MS })).stdout;
  }

  /** Runs `steps` in one `ip -batch -`, which stops at the first that fails. */
  async batch(steps: readonly (readonly string[])[]): Promise<void> {
    const prefix = this.netns === undefined ? ['ip'] : ['ip', '-n', this.netns];
    await run([...prefix, '-batch', '-'], { timeoutMs: TIMEOUT_MS, input: buildIpBatch(steps) });
  }

  async listLinks(): Promise<string[]> {
    const rows = JSON.parse((await this.run(['-j', 'link', 'show'])) || '[]') as Array<{ ifname?: string }>;
    return rows.map((r) => r.ifname).filter((n): n is string => typeof n === 'string');
  }

  async listRoutes(): Promise<HostRoute[]> {
    return parseIpRouteJson(await this.run(['-j', '-4', 'route', 'show', 'table', 'main']));
  }

  /** The link's details (`ip -j -d link show DEV`), or undefined when there is no such link. */
  async showLink(dev: string): Promise<Record<string, unknown> | undefined> {
    try {
      const rows = JSON.parse(await this.run(['-j', '-d', 'link', 'show', 'dev', dev])) as unknown[];
      return rows[0] as Record<string, unknown> | undefined;
    } catch (err) {
      if (isNoSuchDevice(err)) return undefined;
      throw err;
    }
  }
}

/** ip's "does not exist" failure, told apart from other failures by its stderr (it exits 1 for all). */
export function isNoSuchDevice(err: unknown): boolean {
  return err instanceof CommandFailedError && /does not exist|Cannot find device/i.test(err.stderr);
}
