/**
 * A NIC's link state changed by update-device (`virsh domif-setlink`), as libvirt's qemu driver does
 * it: the interface XML is the NIC's own with `<link state=.../>` changed; live, qemu's `set_link` on the
 * NIC's device id turns the carrier the guest sees off or on; in the config, the definition keeps it.
 * Any other difference from the NIC as defined is refused, naming the field. A start and a hot-plug
 * apply a link that is down, as the guest must never see it up.
 */
import { TsvirtError } from '../errors.js';
import { describePciAddress, type DomainConfig, type InterfaceConfig } from '../domain/index.js';
import { buildDeviceMissingError, findDeviceIndex, type DeviceSpec } from '../domain/device-xml.js';
import { setLink, type QmpClient } from '../qmp/index.js';
import type { DriverContext } from './context.js';
import type { DomainObject } from './domain-object.js';
import { requireMonitor } from './power.js';
import { saveStatus } from './transitions.js';

type NicSpec = Extract<DeviceSpec, { kind: 'interface' }>;

/** Fields of a NIC that update-device cannot change, each read as a comparable text. */
const FIXED_FIELDS: ReadonlyArray<[string, (n: InterfaceConfig) => string | undefined]> = [
  ['type', (n) => n.type],
  ['source network', (n) => (n.type === 'network' ? n.network : undefined)],
  ['source bridge', (n) => (n.type === 'bridge' ? n.bridge : undefined)],
  ['model', (n) => n.model],
  ['boot order', (n) => (n.bootOrder === undefined ? undefined : String(n.bootOrder))],
  ['rom enabled', (n) => (n.romEnabled === false ? 'no' : undefined)],
];

/** Fields the update XML may leave out (the live XML has them, the inactive one may not); compared when given. */
const GIVEN_FIELDS: ReadonlyArray<[string, (n: InterfaceConfig) => string | undefined]> = [
  ['target dev', (n) => (n.type === 'user' ? undefined : n.targetDev)],
  ['address', (n) => (n.address === undefined ? undefined : describePciAddress(n.address))],
  ['alias', (n) => n.alias],
];

/**
 * The position of the NIC `spec` updates in `def`, after checking that nothing but its link state
 * differs. Returns -1 when the link state is what it already is (nothing to do).
 */
function findUpdatedNic(def: DomainConfig, spec: NicSpec, live: boolean): number {
  const index = findDeviceIndex(def, spec);
  const found = def.devices.interfaces[index];
  if (!found) throw buildDeviceMissingError(spec, live);
  const wanted = spec.nic;
  const check = (field: string, was: string | undefined, now: string | undefined): void => {
    if (was === now) return;
    throw new TsvirtError(
      'ERR_NOT_SUPPORTED',
      `Operation not supported: cannot change the ${field} of interface ${found.mac} from '${was ?? '(none)'}' to '${now ?? '(none)'}'; update-device changes only a NIC's link state`,
      { device: 'interface', field, value: now, expected: was },
    );
  };
  for (const [field, read] of FIXED_FIELDS) check(field, read(found), read(wanted));
  for (const [field, read] of GIVEN_FIELDS) {
    if (read(wanted) !== undefined) check(field, read(found), read(wanted));
  }
  return (found.linkState ?? 'up') === (wanted.linkState ?? 'up') ? -1 : index;
}

/** Whether update-device's interface XML is a link-state change this module handles. */
export function isLinkUpdate(spec: DeviceSpec): spec is NicSpec {
  return spec.kind === 'interface';
}

/** The persistent definition with the NIC's link state changed. Pure. */
export function changeLinkInConfig(def: DomainConfig, spec: NicSpec): DomainConfig {
  const out = structuredClone(def);
  const index = findUpdatedNic(def, spec, false);
  const nic = out.devices.interfaces[index];
  if (nic) setLinkState(nic, spec.nic.linkState);
  return out;
}

/** Change the running guest's NIC link with set_link; the live definition follows once qemu did it. */
export async function changeLinkLive(ctx: DriverContext, dom: DomainObject, spec: NicSpec): Promise<void> {
  const live = dom.liveDef as DomainConfig;
  const qmp = requireMonitor(dom);
  const index = findUpdatedNic(live, spec, true);
  if (index < 0) return;
  const next = structuredClone(live);
  const nic = next.devices.interfaces[index] as InterfaceConfig;
  await setLink(qmp, nic.alias as string, (spec.nic.linkState ?? 'up') === 'up');
  setLinkState(nic, spec.nic.linkState);
  dom.liveDef = next;
  await saveStatus(ctx, dom);
}

/** Take every NIC whose definition says its link is down off the wire (after a start's device setup). */
export async function applyLinkStates(def: DomainConfig, qmp: QmpClient): Promise<void> {
  for (const nic of def.devices.interfaces) {
    if (nic.linkState === 'down' && nic.alias !== undefined) await setLink(qmp, nic.alias, false);
  }
}

function setLinkState(nic: InterfaceConfig, state: InterfaceConfig['linkState']): void {
  if (state === undefined) delete nic.linkState;
  else nic.linkState = state;
}
