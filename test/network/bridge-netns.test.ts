/** The bridge part inside a network namespace the test makes: made with its settings, then removed. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BridgePart } from '../../src/network/bridge-part.js';
import { IpTool } from '../../src/network/ip-tool.js';
import { fillNetworkDefaults } from '../../src/network/network-defaults.js';
import { parseNetworkXml } from '../../src/network/network-xml.js';
import { createNetns, probeNetnsProblem, type TestNetns } from './netns.js';

const problem = await probeNetnsProblem();
if (problem) console.warn(`skipping bridge tests: no network namespace (${problem})`);

const def = fillNetworkDefaults(
  parseNetworkXml(
    "<network><name>b1</name><bridge name='tsbr1' stp='on' delay='4'/><mtu size='1400'/><mac address='52:54:00:12:34:56'/><ip address='10.70.0.1' prefix='24'/></network>",
  ),
  {
    uuid: () => '0d000000-0000-4000-8000-000000000001',
    randomBytes: () => Buffer.alloc(3),
    usedBridgeNames: new Set(),
  },
);

describe.skipIf(problem !== undefined)('bridge part in a namespace', () => {
  let ns: TestNetns;
  let part: BridgePart;
  beforeAll(async () => {
    ns = await createNetns();
    part = new BridgePart(new IpTool(ns.name));
  });
  afterAll(async () => ns.remove());

  it('makes the bridge with its MAC, MTU, STP, delay and address, and deletes it at stop', async () => {
    await part.start(def);
    expect(await part.isUp(def)).toBe(true);
    const [link] = JSON.parse(await ns.ip(['-j', '-d', 'addr', 'show', 'dev', 'tsbr1'])) as Array<{
      address: string;
      mtu: number;
      linkinfo: { info_data: { stp_state: number; forward_delay: number } };
      addr_info: Array<{ local: string; prefixlen: number }>;
    }>;
    expect(link?.address).toBe('52:54:00:12:34:56');
    expect(link?.mtu).toBe(1400);
    expect(link?.linkinfo.info_data.stp_state).toBe(1);
    expect(link?.linkinfo.info_data.forward_delay).toBe(400);
    expect(link?.addr_info.map((a) => `${a.local}/${a.prefixlen}`)).toEqual(['10.70.0.1/24']);
    await part.stop(def);
    expect(await part.isUp(def)).toBe(false);
    expect(await ns.ip(['-o', 'link', 'show'])).not.toContain('tsbr1');
  });

  it('refuses a bridge name held by a device it did not make, and leaves that device alone', async () => {
    await ns.ip(['link', 'add', 'name', 'tsbr1', 'type', 'bridge']);
    await expect(part.start(def)).rejects.toMatchObject({ code: 'ERR_NETWORK_CLASH' });
    await part.stop(def);
    expect(await ns.ip(['-o', 'link', 'show'])).toContain('tsbr1');
  });
});
