import { describe, expect, it } from 'vitest';
import { buildDanglingNicWarnings, type RunningNic } from '../../src/network/dangling-nics.js';

const NICS: RunningNic[] = [
  {
    domain: 'web',
    nic: {
      type: 'network',
      network: 'lab',
      mac: '52:54:00:00:00:01',
      model: 'virtio',
      alias: 'net0',
      targetDev: 'vnet3',
    },
  },
  {
    domain: 'web',
    nic: {
      type: 'network',
      network: 'up',
      mac: '52:54:00:00:00:02',
      model: 'virtio',
      alias: 'net1',
      targetDev: 'vnet4',
    },
  },
  {
    domain: 'web',
    nic: { type: 'bridge', bridge: 'br0', mac: '52:54:00:00:00:03', model: 'virtio', targetDev: 'vnet5' },
  },
  { domain: 'db', nic: { type: 'user', mac: '52:54:00:00:00:04', model: 'e1000' } },
  { domain: 'db', nic: { type: 'network', network: 'gone', mac: '52:54:00:00:00:05', model: 'virtio' } },
];

describe('warnings for guests left on networks that are not running', () => {
  it('names the guest, the NIC, its MAC and tap, and the network, for each network NIC off a running network', () => {
    const lines = buildDanglingNicWarnings(NICS, (name) => name === 'up');
    expect(lines).toEqual([
      "domain 'web': interface net0 (52:54:00:00:00:01, tap vnet3) is on network 'lab', which is not running; the guest runs on without that link: start the network, then detach and attach the interface again or restart the guest",
      "domain 'db': interface 52:54:00:00:00:05 (52:54:00:00:00:05, no tap) is on network 'gone', which is not running; the guest runs on without that link: start the network, then detach and attach the interface again or restart the guest",
    ]);
  });

  it('says nothing when every network a guest uses is running', () => {
    expect(buildDanglingNicWarnings(NICS, () => true)).toEqual([]);
  });
});
