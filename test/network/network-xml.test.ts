/** Network XML: parse, checks, defaults and format, compared with what libvirtd 9.0 prints. */
import { describe, expect, it } from 'vitest';
import { isTsvirtError } from '../../src/errors.js';
import { fillNetworkDefaults, pickBridgeName } from '../../src/network/network-defaults.js';
import { formatNetworkXml } from '../../src/network/network-format.js';
import { parseNetworkXml } from '../../src/network/network-xml.js';
import { applyNetworkEdit } from '../../src/network/network-update.js';
import { findClashingRoute, parseIpRouteJson } from '../../src/network/host-routes.js';
import { buildBridgeUpArgs, buildIpBatch } from '../../src/network/bridge-argv.js';
import type { NetworkDef } from '../../src/network/network-def.js';

const FULL = `<network>
  <name>full</name>
  <uuid>11111111-2222-3333-4444-555555555555</uuid>
  <forward mode='nat'>
    <nat>
      <address start='1.2.3.4' end='1.2.3.10'/>
      <port start='2000' end='3000'/>
    </nat>
  </forward>
  <bridge name='tsbr9' stp='off' delay='3'/>
  <mtu size='1400'/>
  <mac address='52:54:00:aa:bb:cc'/>
  <domain name='example.test' localOnly='yes'/>
  <dns>
    <host ip='10.9.0.50'>
      <hostname>foo</hostname>
      <hostname>foo2</hostname>
    </host>
  </dns>
  <ip address='10.9.0.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='10.9.0.100' end='10.9.0.200'/>
      <host mac='52:54:00:00:00:02' name='b' ip='10.9.0.6'/>
      <host name='c' ip='10.9.0.7'/>
    </dhcp>
  </ip>
</network>
`;

const fixed = {
  uuid: () => 'a0000000-0000-4000-8000-000000000001',
  randomBytes: () => Buffer.from([1, 2, 0xab]),
};

function defOf(xml: string, used: string[] = []): NetworkDef {
  return fillNetworkDefaults(parseNetworkXml(xml), { ...fixed, usedBridgeNames: new Set(used) });
}

function errorOf(xml: string): { code: string; message: string; fields: Record<string, unknown> } {
  try {
    parseNetworkXml(xml);
  } catch (err) {
    if (isTsvirtError(err)) return { code: err.code, message: err.message, fields: err.fields };
    throw err;
  }
  throw new Error('parsed without error');
}

describe('network XML', () => {
  it('writes back every element in the order and shape libvirtd prints them', () => {
    // The mac was given in mixed case: libvirtd prints it lower-case, after <mtu>.
    expect(formatNetworkXml(defOf(FULL.replace('aa:bb:cc', 'AA:bb:cc')))).toBe(FULL);
  });

  it('fills uuid, a 52:54:00 MAC and the lowest free virbrN, as libvirt does at define', () => {
    const def = defOf("<network><name>iso</name><ip address='10.77.0.1' prefix='24'/></network>", ['virbr0']);
    expect(formatNetworkXml(def)).toBe(
      [
        '<network>',
        '  <name>iso</name>',
        '  <uuid>a0000000-0000-4000-8000-000000000001</uuid>',
        "  <bridge name='virbr1' stp='on' delay='0'/>",
        "  <mac address='52:54:00:01:02:ab'/>",
        "  <ip address='10.77.0.1' prefix='24'>",
        '  </ip>',
        '</network>',
        '',
      ].join('\n'),
    );
    expect(pickBridgeName(new Set(['virbr0', 'virbr1', 'virbr3']))).toBe('virbr2');
  });

  it('gives a host bridge network no MAC, no STP and no address of its own', () => {
    const xml = "<network><name>hb</name><forward mode='bridge'/><bridge name='br0'/></network>";
    expect(formatNetworkXml(defOf(xml))).toBe(
      "<network>\n  <name>hb</name>\n  <uuid>a0000000-0000-4000-8000-000000000001</uuid>\n  <forward mode='bridge'/>\n  <bridge name='br0'/>\n</network>\n",
    );
  });

  it('writes a routed network with its device as libvirtd does', () => {
    const def = defOf(
      "<network><name>rt</name><forward mode='route' dev='eth0'/><ip address='10.10.0.1' prefix='16'/></network>",
    );
    expect(formatNetworkXml(def)).toContain(
      "  <forward dev='eth0' mode='route'>\n    <interface dev='eth0'/>\n  </forward>\n",
    );
  });

  it.each([
    ["<network><name>x</name><forward mode='foo'/></network>", 'ERR_XML_INVALID', 'forward', 'mode', 'foo'],
    [
      "<network><name>x</name><ip address='10.12.0.300' prefix='24'/></network>",
      'ERR_XML_INVALID',
      'ip',
      'address',
      '10.12.0.300',
    ],
    [
      "<network><name>x</name><ip address='10.1.0.1' prefix='33'/></network>",
      'ERR_XML_INVALID',
      'ip',
      'prefix',
      '33',
    ],
    [
      "<network><name>x</name><ip address='10.1.0.1' netmask='255.0.255.0'/></network>",
      'ERR_XML_INVALID',
      'ip',
      'netmask',
      '255.0.255.0',
    ],
    [
      "<network><name>x</name><mac address='01:54:00:aa:bb:cc'/><ip address='10.1.0.1'/></network>",
      'ERR_XML_INVALID',
      'mac',
      'address',
      '01:54:00:aa:bb:cc',
    ],
    [
      "<network><name>x</name><forward mode='hostdev'/></network>",
      'ERR_NOT_SUPPORTED',
      'forward',
      'mode',
      'hostdev',
    ],
  ])('refuses %s naming element, attribute and value', (xml, code, element, attribute, value) => {
    const err = errorOf(xml);
    expect(err.code).toBe(code);
    expect(err.fields).toMatchObject({ element, attribute, value });
    expect(err.message).toContain(value);
  });

  it('refuses a portgroup, NAT without an address and a DHCP range outside or reversed', () => {
    expect(
      errorOf(
        "<network><name>x</name><forward mode='bridge'/><bridge name='br0'/><portgroup name='p'/></network>",
      ),
    ).toMatchObject({ code: 'ERR_NOT_SUPPORTED', fields: { element: 'portgroup' } });
    expect(errorOf("<network><name>x</name><forward mode='nat'/></network>").message).toBe(
      "network/ip: nat forwarding needs an IPv4 address on network 'x'; expected an <ip address='...' prefix='...'> element",
    );
    const range = (s: string, e: string): string =>
      `<network><name>x</name><ip address='10.12.0.1' prefix='24'><dhcp><range start='${s}' end='${e}'/></dhcp></ip></network>`;
    expect(errorOf(range('10.13.0.2', '10.13.0.9')).fields).toEqual({
      field: 'network/ip/dhcp/range',
      value: '10.13.0.2-10.13.0.9',
      expected: 'addresses inside 10.12.0.0/24',
    });
    expect(errorOf(range('10.12.0.9', '10.12.0.2')).message).toContain(
      'range 10.12.0.9 - 10.12.0.2 is reversed',
    );
  });
});

describe('network update', () => {
  const base = defOf(FULL);
  it('adds, modifies and deletes DHCP hosts and DNS hosts', () => {
    const added = applyNetworkEdit(base, {
      command: 3,
      section: 4,
      parentIndex: -1,
      xml: "<host mac='52:54:00:00:00:09' name='d' ip='10.9.0.9'/>",
    });
    expect(added.ips[0]?.dhcp?.hosts.at(-1)).toEqual({ mac: '52:54:00:00:00:09', name: 'd', ip: '10.9.0.9' });
    const modified = applyNetworkEdit(added, {
      command: 1,
      section: 4,
      parentIndex: -1,
      xml: "<host mac='52:54:00:00:00:09' ip='10.9.0.10'/>",
    });
    expect(modified.ips[0]?.dhcp?.hosts.at(-1)).toEqual({ mac: '52:54:00:00:00:09', ip: '10.9.0.10' });
    const deleted = applyNetworkEdit(modified, {
      command: 2,
      section: 10,
      parentIndex: -1,
      xml: "<host ip='10.9.0.50'><hostname>foo</hostname></host>",
    });
    expect(deleted.dns).toBeUndefined();
    expect(base.ips[0]?.dhcp?.hosts).toHaveLength(2);
  });
  it('refuses a duplicate, a host outside the subnet and an unsupported section', () => {
    expect(() =>
      applyNetworkEdit(base, {
        command: 3,
        section: 4,
        parentIndex: -1,
        xml: "<host mac='52:54:00:00:00:02' ip='10.9.0.60'/>",
      }),
    ).toThrow(/already has a DHCP host entry/);
    expect(() =>
      applyNetworkEdit(base, {
        command: 3,
        section: 4,
        parentIndex: -1,
        xml: "<host mac='52:54:00:00:00:07' ip='10.8.0.60'/>",
      }),
    ).toThrow(/not within network 10.9.0.0\/24/);
    expect(() =>
      applyNetworkEdit(base, { command: 3, section: 9, parentIndex: -1, xml: '<portgroup/>' }),
    ).toThrow(/section 9 is not supported/);
  });
});

describe('host routes', () => {
  const json = JSON.stringify([
    { dst: 'default', gateway: '10.0.0.1', dev: 'eth0' },
    { dst: '10.0.0.0/24', dev: 'eth0', protocol: 'kernel' },
    { dst: '192.168.150.0/24', dev: 'virbr5' },
    { dst: '10.9.0.0/24', dev: 'eth1' },
  ]);
  it('finds the route that already carries a subnet, ignoring the network own bridge', () => {
    const routes = parseIpRouteJson(json);
    expect(routes).toHaveLength(3);
    expect(findClashingRoute(defOf(FULL), routes)).toEqual({ base: 0x0a090000, prefix: 24, dev: 'eth1' });
    const t1 = defOf(
      "<network><name>t1</name><bridge name='virbr5'/><ip address='192.168.150.1' prefix='24'/></network>",
    );
    expect(findClashingRoute(t1, routes)).toBeUndefined();
  });
});

describe('bridge argv', () => {
  it('gives the delay before STP, then the alias, the addresses and up', () => {
    expect(buildBridgeUpArgs(defOf(FULL))).toEqual([
      [
        'link',
        'add',
        'name',
        'tsbr9',
        'address',
        '52:54:00:aa:bb:cc',
        'mtu',
        '1400',
        'type',
        'bridge',
        'forward_delay',
        '300',
        'stp_state',
        '0',
      ],
      ['link', 'set', 'dev', 'tsbr9', 'alias', 'tsvirt-network:11111111-2222-3333-4444-555555555555'],
      ['addr', 'add', '10.9.0.1/24', 'broadcast', '+', 'dev', 'tsbr9'],
      ['link', 'set', 'dev', 'tsbr9', 'up'],
    ]);
  });

  it('puts the steps into one ip batch, one per line, and refuses an argument ip would split or quote', () => {
    expect(buildIpBatch(buildBridgeUpArgs(defOf(FULL)))).toBe(
      'link add name tsbr9 address 52:54:00:aa:bb:cc mtu 1400 type bridge forward_delay 300 stp_state 0\n' +
        'link set dev tsbr9 alias tsvirt-network:11111111-2222-3333-4444-555555555555\n' +
        'addr add 10.9.0.1/24 broadcast + dev tsbr9\n' +
        'link set dev tsbr9 up\n',
    );
    for (const bad of ['two words', 'a"b', "it's", '#x', '', 'a\\b']) {
      expect(() => buildIpBatch([['link', 'del', 'dev', bad]])).toThrow(/cannot go into a batch/);
    }
  });
});
