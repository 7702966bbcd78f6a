/** NetworkDef -> libvirt network XML, in the element order and shape `virsh net-dumpxml` prints (pure). */
import { el, renderXml, type XmlNode } from '../domain/xml-writer.js';
import { buildNetmask, formatIpv4 } from './ipv4.js';
import { hasOwnBridge, type IpDef, type NetworkDef } from './network-def.js';

/** The network's XML, ending in a newline. */
export function formatNetworkXml(def: NetworkDef): string {
  return renderXml(
    el(
      'network',
      [],
      [
        el('name', [], def.name),
        el('uuid', [], def.uuid),
        def.forward && formatForward(def.forward),
        def.bridge && formatBridge(def),
        def.mtu !== undefined && el('mtu', [['size', def.mtu]]),
        def.mac !== undefined && el('mac', [['address', def.mac]]),
        def.domain &&
          el('domain', [
            ['name', def.domain.name],
            [
              'localOnly',
              def.domain.localOnly === undefined ? undefined : def.domain.localOnly ? 'yes' : 'no',
            ],
          ]),
        def.dns &&
          el(
            'dns',
            [],
            def.dns.hosts.map((h) =>
              el(
                'host',
                [['ip', h.ip]],
                h.hostnames.map((n) => el('hostname', [], n)),
              ),
            ),
          ),
        ...def.ips.map(formatIp),
      ],
    ),
  );
}

function formatForward(fwd: NonNullable<NetworkDef['forward']>): XmlNode {
  const nat = fwd.nat;
  return el(
    'forward',
    [
      ['dev', fwd.dev],
      ['mode', fwd.mode],
    ],
    [
      nat &&
        (nat.address || nat.port) &&
        el(
          'nat',
          [],
          [
            nat.address &&
              el('address', [
                ['start', nat.address.start],
                ['end', nat.address.end],
              ]),
            nat.port &&
              el('port', [
                ['start', nat.port.start],
                ['end', nat.port.end],
              ]),
          ],
        ),
      fwd.dev !== undefined && el('interface', [['dev', fwd.dev]]),
    ],
  );
}

function formatBridge(def: NetworkDef): XmlNode {
  const b = def.bridge ?? {};
  if (!hasOwnBridge(def)) return el('bridge', [['name', b.name]]);
  return el('bridge', [
    ['name', b.name],
    ['stp', b.stp === false ? 'off' : 'on'],
    ['delay', b.delay ?? 0],
  ]);
}

function formatIp(ip: IpDef): XmlNode {
  const attrs: XmlNode['attrs'] = [
    ['address', ip.address],
    ip.netmaskForm ? ['netmask', formatIpv4(buildNetmask(ip.prefix))] : ['prefix', ip.prefix],
  ];
  const dhcp = ip.dhcp;
  if (!dhcp) {
    // libvirt writes an <ip> without children as an open and a close tag on two lines.
    const node = el('ip', attrs);
    return {
      ...node,
      render: (depth) => {
        const pad = '  '.repeat(depth);
        const open = renderXml(node, depth).replace(/\/>\n$/, '>\n');
        return `${open}${pad}</ip>\n`;
      },
    };
  }
  return el('ip', attrs, [
    el(
      'dhcp',
      [],
      [
        ...dhcp.ranges.map((r) =>
          el('range', [
            ['start', r.start],
            ['end', r.end],
          ]),
        ),
        ...dhcp.hosts.map((h) =>
          el('host', [
            ['mac', h.mac],
            ['name', h.name],
            ['ip', h.ip],
          ]),
        ),
      ],
    ),
  ]);
}
