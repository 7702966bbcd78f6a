/** The `ip` argument lists that make and remove a network's own bridge (pure; tests compare them exactly). */
import { TsvirtError } from '../errors.js';
import type { NetworkDef } from './network-def.js';

/** The alias written on a bridge tsvirt made, so that a bridge of the same name made by others is told apart. */
export function buildBridgeAlias(def: NetworkDef): string {
  return `tsvirt-network:${def.uuid}`;
}

/** The bridge's name; only networks with a bridge of their own reach the bridge part. */
export function bridgeNameOf(def: NetworkDef): string {
  const name = def.bridge?.name;
  if (name === undefined) throw new Error(`network '${def.name}' has no bridge name`);
  return name;
}

/** `ip` argument lists, in order, that make the bridge with its MAC, MTU, STP, delay and addresses and set it up. */
export function buildBridgeUpArgs(def: NetworkDef): string[][] {
  const name = bridgeNameOf(def);
  const add = ['link', 'add', 'name', name];
  if (def.mac !== undefined) add.push('address', def.mac);
  if (def.mtu !== undefined) add.push('mtu', String(def.mtu));
  // The kernel counts the forward delay in centiseconds and refuses a short delay once STP is on,
  // so the delay is given before stp_state.
  add.push('type', 'bridge', 'forward_delay', String((def.bridge?.delay ?? 0) * 100));
  add.push('stp_state', def.bridge?.stp === false ? '0' : '1');
  const steps = [add, ['link', 'set', 'dev', name, 'alias', buildBridgeAlias(def)]];
  for (const ip of def.ips)
    steps.push(['addr', 'add', `${ip.address}/${ip.prefix}`, 'broadcast', '+', 'dev', name]);
  steps.push(['link', 'set', 'dev', name, 'up']);
  return steps;
}

/** `ip` argument lists that take the bridge down and delete it. */
export function buildBridgeDownArgs(def: NetworkDef): string[][] {
  const name = bridgeNameOf(def);
  return [
    ['link', 'set', 'dev', name, 'down'],
    ['link', 'del', 'dev', name],
  ];
}

/**
 * The `ip -batch` text for `steps`: one command per line. ip splits batch lines at blanks and reads
 * quotes and `#`, so an argument holding any of them is refused (names and addresses never do).
 */
export function buildIpBatch(steps: readonly (readonly string[])[]): string {
  for (const arg of steps.flat()) {
    if (arg === '' || /[\s"'#\\]/.test(arg)) {
      throw new TsvirtError('ERR_INVALID_ARG', `ip argument ${JSON.stringify(arg)} cannot go into a batch`, {
        field: 'ip argument',
        value: arg,
        expected: 'no blanks, quotes, # or backslashes',
      });
    }
  }
  return steps.map((args) => `${args.join(' ')}\n`).join('');
}
