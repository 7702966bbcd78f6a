/** A NIC's link state in the domain XML, and update-device's link-state change of the config (pure). */
import { describe, expect, it } from 'vitest';
import { parseDeviceXml } from '../../src/domain/device-xml.js';
import { formatDomainXml, parseDomainXml, type DomainConfig } from '../../src/domain/index.js';
import { changeLinkInConfig, isLinkUpdate } from '../../src/driver/link-state.js';
import { catchTsvirtError } from '../tsvirt-error.js';

const DOMAIN = `<domain type='qemu'><name>d</name><memory unit='MiB'>64</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <interface type='network'><mac address='52:54:00:00:00:01'/><source network='lab'/><model type='virtio'/></interface>
    <interface type='user'><mac address='52:54:00:00:00:02'/><model type='e1000'/><link state='down'/></interface>
  </devices></domain>`;

/** update-device's interface XML read as the driver reads it. */
function nicSpec(xml: string) {
  const spec = parseDeviceXml(xml);
  if (!isLinkUpdate(spec)) throw new Error('not an interface');
  return spec;
}

describe('<link state>', () => {
  it('is read and written back after the model; absent stays absent', () => {
    const def = parseDomainXml(DOMAIN);
    expect(def.devices.interfaces.map((n) => n.linkState)).toEqual([undefined, 'down']);
    const xml = formatDomainXml(def);
    expect(xml).toContain("<model type='e1000'/>\n      <link state='down'/>");
    expect(xml.match(/<link /g)).toHaveLength(1);
  });

  it('refuses a state other than up or down', () => {
    const err = catchTsvirtError(() =>
      parseDeviceXml(
        "<interface type='user'><mac address='52:54:00:00:00:03'/><link state='off'/></interface>",
      ),
    );
    expect([err.code, err.fields['value']]).toEqual(['ERR_NOT_SUPPORTED', 'off']);
  });
});

describe('changeLinkInConfig', () => {
  const def: DomainConfig = parseDomainXml(DOMAIN);

  it("sets the link state of the NIC with the XML's MAC and nothing else", () => {
    const out = changeLinkInConfig(
      def,
      nicSpec(
        "<interface type='network'><mac address='52:54:00:00:00:01'/><source network='lab'/><model type='virtio'/><link state='down'/></interface>",
      ),
    );
    expect(out.devices.interfaces.map((n) => n.linkState)).toEqual(['down', 'down']);
    expect({ ...out.devices.interfaces[0], linkState: undefined }).toEqual({
      ...def.devices.interfaces[0],
      linkState: undefined,
    });
    expect(def.devices.interfaces[0]?.linkState).toBeUndefined();
  });

  it('brings a link up when the XML says up or says nothing', () => {
    for (const link of ["<link state='up'/>", '']) {
      const out = changeLinkInConfig(
        def,
        nicSpec(
          `<interface type='user'><mac address='52:54:00:00:00:02'/><model type='e1000'/>${link}</interface>`,
        ),
      );
      expect(out.devices.interfaces[1]?.linkState).toBe(link === '' ? undefined : 'up');
    }
  });

  it.each([
    [
      'model',
      "<interface type='network'><mac address='52:54:00:00:00:01'/><source network='lab'/><model type='e1000'/></interface>",
      'virtio',
      'e1000',
    ],
    [
      'source network',
      "<interface type='network'><mac address='52:54:00:00:00:01'/><source network='other'/><model type='virtio'/></interface>",
      'lab',
      'other',
    ],
    [
      'type',
      "<interface type='user'><mac address='52:54:00:00:00:01'/><model type='virtio'/></interface>",
      'network',
      'user',
    ],
    [
      'target dev',
      "<interface type='network'><mac address='52:54:00:00:00:01'/><source network='lab'/><target dev='vnet7'/><model type='virtio'/></interface>",
      undefined,
      'vnet7',
    ],
  ])('refuses a change of the %s, naming it with both values', (field, xml, was, now) => {
    const err = catchTsvirtError(() => changeLinkInConfig(def, nicSpec(xml)));
    expect(err.code).toBe('ERR_NOT_SUPPORTED');
    expect(err.fields).toMatchObject({ device: 'interface', field, value: now, expected: was });
    expect(err.message).toContain(`cannot change the ${field} of interface 52:54:00:00:00:01`);
  });

  it('names a NIC that is not there as libvirt does', () => {
    const err = catchTsvirtError(() =>
      changeLinkInConfig(
        def,
        nicSpec("<interface type='user'><mac address='52:54:00:00:00:09'/></interface>"),
      ),
    );
    expect(err.code).toBe('ERR_DEVICE_MISSING');
  });
});
