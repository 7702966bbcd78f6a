/** The nftables script of a network, compared exactly for each forward mode. */
import { describe, expect, it } from 'vitest';
import { buildNftScript, needsFirewall, needsIpForwarding } from '../../src/network/nft-ruleset.js';
import { fillNetworkDefaults } from '../../src/network/network-defaults.js';
import { parseNetworkXml } from '../../src/network/network-xml.js';

function defOf(forward: string): ReturnType<typeof fillNetworkDefaults> {
  return fillNetworkDefaults(
    parseNetworkXml(
      `<network><name>n</name>${forward}<bridge name='virbr3'/><ip address='10.3.0.1' prefix='24'/></network>`,
    ),
    {
      uuid: () => '0d000000-0000-4000-8000-000000000003',
      randomBytes: () => Buffer.alloc(3),
      usedBridgeNames: new Set(),
    },
  );
}

const head = ['table ip tsvirt-virbr3 {}', 'delete table ip tsvirt-virbr3', 'table ip tsvirt-virbr3 {'];
const forwardHead = ['  chain forward {', '    type filter hook forward priority filter; policy accept;'];
const tail = ['    iifname "virbr3" reject', '    oifname "virbr3" reject', '  }'];

describe('nftables script', () => {
  it('masquerades the subnet with the <nat> port range and lets only replies back in (nat)', () => {
    const def = defOf("<forward mode='nat' dev='eth9'><nat><port start='2000' end='3000'/></nat></forward>");
    expect(buildNftScript(def).split('\n')).toEqual([
      ...head,
      ...forwardHead,
      '    iifname "virbr3" oifname "virbr3" accept',
      '    iifname "virbr3" oifname "eth9" ip saddr 10.3.0.0/24 accept',
      '    oifname "virbr3" iifname "eth9" ip daddr 10.3.0.0/24 ct state related,established accept',
      ...tail,
      '  chain postrouting {',
      '    type nat hook postrouting priority srcnat; policy accept;',
      '    ip saddr 10.3.0.0/24 ip daddr 224.0.0.0/24 return',
      '    ip saddr 10.3.0.0/24 ip daddr 255.255.255.255 return',
      '    ip saddr 10.3.0.0/24 ip daddr != 10.3.0.0/24 oifname "eth9" meta l4proto { tcp, udp } masquerade to :2000-3000',
      '    ip saddr 10.3.0.0/24 ip daddr != 10.3.0.0/24 oifname "eth9" masquerade',
      '  }',
      '}',
      '',
    ]);
    expect(needsIpForwarding(def)).toBe(true);
  });

  it('forwards both ways without NAT (route)', () => {
    expect(buildNftScript(defOf("<forward mode='route'/>")).split('\n')).toEqual([
      ...head,
      ...forwardHead,
      '    iifname "virbr3" oifname "virbr3" accept',
      '    iifname "virbr3" ip saddr 10.3.0.0/24 accept',
      '    oifname "virbr3" ip daddr 10.3.0.0/24 accept',
      ...tail,
      '}',
      '',
    ]);
  });

  it('keeps traffic on the bridge for an isolated network, and makes no table for open', () => {
    const isolated = defOf('');
    expect(buildNftScript(isolated).split('\n')).toEqual([
      ...head,
      ...forwardHead,
      '    iifname "virbr3" oifname "virbr3" accept',
      ...tail,
      '}',
      '',
    ]);
    expect(needsIpForwarding(isolated)).toBe(false);
    expect(needsFirewall(defOf("<forward mode='open'/>"))).toBe(false);
  });
});
