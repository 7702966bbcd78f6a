/**
 * domif-setlink and domif-getlink, as virsh does them: the NIC (named by its host interface or its MAC)
 * is found in the domain's XML; setlink sends that interface element back through update-device with
 * `<link state=.../>` changed, getlink prints its state (no element is up).
 */
import type { Command } from '../command.js';
import { parseVerbArgs, req } from '../args.js';
import { lookupDomain } from '../lookup.js';
import { DeviceModifyFlags, XmlFlags } from '../../api/domain-enums.js';
import { el, renderXml, type XmlNode } from '../../domain/xml-writer.js';
import { parseXmlTree, type XmlElement } from '../../domain/xml-tree.js';
import { TsvirtError } from '../../errors.js';

const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

/** The <interface> of `domainXml` whose target dev or MAC (in any case) is `iface`. */
export function findInterfaceElement(domainXml: string, iface: string): XmlElement | undefined {
  const byMac = MAC_RE.test(iface);
  const devices = parseXmlTree(domainXml, 'domain XML').children.find((c) => c.name === 'devices');
  return devices?.children.find((c) => {
    if (c.name !== 'interface') return false;
    const [child, attr] = byMac ? ['mac', 'address'] : ['target', 'dev'];
    const value = c.children.find((k) => k.name === child)?.attrs[attr];
    return byMac ? value?.toLowerCase() === iface.toLowerCase() : value === iface;
  });
}

/** ERR_DEVICE_MISSING for a NIC the domain lacks, in the words of the virsh verb (they differ). */
function buildNoInterfaceError(message: string, iface: string): TsvirtError {
  return new TsvirtError('ERR_DEVICE_MISSING', message, {
    field: 'interface',
    value: iface,
    expected: 'the target dev or the MAC address of one of the domain NICs',
  });
}

/** An element read back as one to write (children, else its text). */
function toNode(e: XmlElement): XmlNode {
  const attrs = Object.entries(e.attrs);
  if (e.children.length === 0 && e.text.trim() !== '') return el(e.name, attrs, e.text);
  return el(e.name, attrs, e.children.map(toNode));
}

/** The interface element with its <link state> set (placed after <model>, as libvirt writes it). */
export function buildLinkUpdateXml(nic: XmlElement, state: 'up' | 'down'): string {
  const kept = nic.children.filter((c) => c.name !== 'link');
  const model = kept.findIndex((c) => c.name === 'model');
  const children = kept.map(toNode);
  children.splice(model < 0 ? children.length : model + 1, 0, el('link', [['state', state]]));
  return renderXml(el('interface', Object.entries(nic.attrs), children));
}

const domifSetlink: Command = {
  name: 'domif-setlink',
  summary: 'set link state of a virtual interface',
  usage: 'Usage: tsvirt domif-setlink <domain> <interface> <state> [--config]\n\n  state: up or down',
  async run(ctx) {
    const a = parseVerbArgs(ctx.args, {
      verb: 'domif-setlink',
      positionals: ['domain', 'interface', 'state'],
      flags: ['config'],
    });
    const state = req(a, 'state');
    if (state !== 'up' && state !== 'down') {
      throw new TsvirtError('ERR_INVALID_ARG', `invalid link state '${state}'`, {
        field: 'state',
        value: state,
        expected: ['up', 'down'],
      });
    }
    const conn = await ctx.connect();
    const dom = await lookupDomain(conn, req(a, 'domain'));
    // As virsh: the config of a domain that is not running, else what --config asks for.
    const config = a.flags.has('config') || !(await conn.domainIsActive(dom));
    const xml = await conn.domainGetXMLDesc(dom, config ? XmlFlags.INACTIVE : 0);
    const iface = req(a, 'interface');
    const nic = findInterfaceElement(xml, iface);
    if (!nic) throw buildNoInterfaceError(`interface '${iface}' not found`, iface);
    await conn.domainUpdateDevice(
      dom,
      buildLinkUpdateXml(nic, state),
      config ? DeviceModifyFlags.CONFIG : DeviceModifyFlags.LIVE,
    );
    ctx.print(ctx.json ? JSON.stringify({ domain: dom.name, state }) : 'Device updated successfully\n');
    return 0;
  },
};

const domifGetlink: Command = {
  name: 'domif-getlink',
  summary: 'get link state of a virtual interface',
  usage: 'Usage: tsvirt domif-getlink <domain> <interface> [--config]',
  async run(ctx) {
    const a = parseVerbArgs(ctx.args, {
      verb: 'domif-getlink',
      positionals: ['domain', 'interface'],
      flags: ['config'],
    });
    const conn = await ctx.connect();
    const dom = await lookupDomain(conn, req(a, 'domain'));
    const xml = await conn.domainGetXMLDesc(dom, a.flags.has('config') ? XmlFlags.INACTIVE : 0);
    const iface = req(a, 'interface');
    const nic = findInterfaceElement(xml, iface);
    if (!nic) {
      const by = MAC_RE.test(iface) ? 'mac' : 'dev';
      throw buildNoInterfaceError(`Interface (${by}: ${iface}) not found.`, iface);
    }
    const state = nic.children.find((c) => c.name === 'link')?.attrs['state'] ?? 'up';
    ctx.print(ctx.json ? JSON.stringify({ domain: dom.name, interface: iface, state }) : `${iface} ${state}`);
    return 0;
  },
};

/** The link-state verbs. */
export const domainLinkCommands: Command[] = [domifSetlink, domifGetlink];
