/** The start order of a network's parts: the bridge alone, then the parts that need only it, together. */
import { describe, expect, it } from 'vitest';
import { groupAlongside } from '../../src/network/network-lifecycle.js';
import { DnsmasqPart } from '../../src/network/dnsmasq-part.js';
import { NftPart } from '../../src/network/nft-part.js';
import { BridgePart } from '../../src/network/bridge-part.js';
import { IpTool } from '../../src/network/ip-tool.js';

describe('groupAlongside', () => {
  const bridge = new BridgePart(new IpTool());
  const dnsmasq = new DnsmasqPart('/run/x');
  const nft = new NftPart('/run/x');
  const names = (groups: { name: string }[][]) => groups.map((g) => g.map((p) => p.name));

  it('starts the bridge first and alone, then dnsmasq and the firewall table together', () => {
    expect(names(groupAlongside([bridge, dnsmasq, nft]))).toEqual([['bridge'], ['dnsmasq', 'nftables']]);
  });

  it('keeps a part that must run alone between two groups', () => {
    expect(names(groupAlongside([dnsmasq, bridge, nft]))).toEqual([['dnsmasq'], ['bridge'], ['nftables']]);
    expect(names(groupAlongside([bridge]))).toEqual([['bridge']]);
    expect(groupAlongside([])).toEqual([]);
  });
});
