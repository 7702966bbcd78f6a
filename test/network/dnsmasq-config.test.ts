/** dnsmasq's files of a network, compared exactly, and its lease file parsed. */
import { describe, expect, it } from 'vitest';
import {
  buildAddnHostsFile,
  buildDhcpHostsFile,
  buildDnsmasqConfig,
  buildDnsmasqPaths,
  parseDnsmasqLeases,
} from '../../src/network/dnsmasq-config.js';
import { fillNetworkDefaults } from '../../src/network/network-defaults.js';
import { parseNetworkXml } from '../../src/network/network-xml.js';

const def = fillNetworkDefaults(
  parseNetworkXml(`<network><name>n1</name><forward mode='nat'/><bridge name='virbr7'/>
  <domain name='lab' localOnly='yes'/>
  <dns><host ip='10.7.0.50'><hostname>db</hostname><hostname>db2</hostname></host></dns>
  <ip address='10.7.0.1' netmask='255.255.255.0'><dhcp>
    <range start='10.7.0.100' end='10.7.0.199'/>
    <host mac='52:54:00:aa:bb:cc' name='g1' ip='10.7.0.10'/>
    <host name='g2' ip='10.7.0.11'/>
  </dhcp></ip></network>`),
  {
    uuid: () => '0d000000-0000-4000-8000-000000000002',
    randomBytes: () => Buffer.alloc(3),
    usedBridgeNames: new Set(),
  },
);
const paths = buildDnsmasqPaths('/r/run/network', 'n1');

describe('dnsmasq files', () => {
  it('writes the config as libvirt does, with the domain, the range and its lease maximum', () => {
    expect(buildDnsmasqConfig(def, paths).split('\n').slice(1)).toEqual([
      'strict-order',
      'pid-file=/r/run/network/n1.pid',
      'except-interface=lo',
      'bind-dynamic',
      'interface=virbr7',
      'domain=lab',
      'expand-hosts',
      'local=/lab/',
      'dhcp-range=10.7.0.100,10.7.0.199,255.255.255.0',
      'dhcp-no-override',
      'dhcp-authoritative',
      'dhcp-lease-max=100',
      'dhcp-hostsfile=/r/run/network/n1.hostsfile',
      'addn-hosts=/r/run/network/n1.addnhosts',
      'dhcp-leasefile=/r/run/network/n1.leases',
      '',
    ]);
  });

  it('names the user only when asked to keep one', () => {
    expect(buildDnsmasqConfig(def, paths, 'root')).toMatch(/\nuser=root\n$/);
    expect(buildDnsmasqConfig(def, paths)).not.toContain('user=');
  });

  it('refuses a path with a line break rather than write a line of its own', () => {
    expect(() => buildDnsmasqConfig(def, buildDnsmasqPaths('/r\nuser=root', 'n1'))).toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_ARG',
        fields: expect.objectContaining({ field: 'pid-file' }),
      }),
    );
  });

  it('writes the DHCP hosts by MAC or by name, and the DNS hosts with all their names', () => {
    expect(buildDhcpHostsFile(def)).toBe('52:54:00:aa:bb:cc,10.7.0.10,g1\ng2,10.7.0.11\n');
    expect(buildAddnHostsFile(def)).toBe('10.7.0.50\tdb db2\n');
  });

  it('parses live leases with their prefix and leaves out expired, IPv6 and malformed lines', () => {
    const text = [
      '2000000000 52:54:00:AA:BB:CC 10.7.0.10 g1 01:52:54:00:aa:bb:cc',
      '0 52:54:00:00:00:01 10.7.0.120 * *',
      '1000 52:54:00:00:00:02 10.7.0.121 old *',
      'duid 00:01:00:01:2c:aa',
      'garbage',
      '',
    ].join('\n');
    expect(parseDnsmasqLeases(text, def, 1_500_000_000)).toEqual([
      {
        iface: 'virbr7',
        expiryTime: 2000000000n,
        mac: '52:54:00:aa:bb:cc',
        ipaddr: '10.7.0.10',
        prefix: 24,
        hostname: 'g1',
        clientid: '01:52:54:00:aa:bb:cc',
      },
      { iface: 'virbr7', expiryTime: 0n, mac: '52:54:00:00:00:01', ipaddr: '10.7.0.120', prefix: 24 },
    ]);
  });
});
