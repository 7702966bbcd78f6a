/**
 * virDomainAttachDeviceFlags, virDomainDetachDeviceFlags, virDomainDetachDeviceAlias and
 * virDomainUpdateDeviceFlags: which definitions a change applies to (live, config, or current: live
 * while running, else config), libvirt's refusals of the others (live on a shut-off domain, config on a
 * transient one), then the config change checked on a copy before the live one runs, and written once
 * the live one succeeded. The live parts are hotplug.ts, media-change.ts and link-state.ts.
 */
import { TsvirtError } from '../errors.js';
import { assignDeviceAddresses, validateDomainConfig, type DomainConfig } from '../domain/index.js';
import {
  buildDeviceMissingError,
  findDeviceIndex,
  parseDeviceXml,
  type DeviceSpec,
} from '../domain/device-xml.js';
import { DeviceModifyFlags } from '../api/domain-enums.js';
import type { DriverContext } from './context.js';
import type { DomainObject } from './domain-object.js';
import { checkAction } from './state-machine.js';
import { hotplugDevice } from './hotplug.js';
import { unplugDevice } from './unplug.js';
import { checkTargetFreeInConfig } from './hotplug-checks.js';
import { changeMediaLive, changeMediaInConfig } from './media-change.js';
import { changeLinkInConfig, changeLinkLive, isLinkUpdate } from './link-state.js';
import { saveConfig } from './transitions.js';

/** The definitions a device change applies to. */
interface DeviceImpact {
  live: boolean;
  config: boolean;
}

/**
 * libvirt's virDomainObjUpdateModificationImpact: current (0) is live while active, else config; live
 * on an inactive domain and config on a transient one are refused with libvirt's words. `allowed`: the
 * flag bits the call takes besides live and config (update's force).
 */
export function resolveDeviceImpact(dom: DomainObject, flags: number, allowed = 0): DeviceImpact {
  const known = DeviceModifyFlags.LIVE | DeviceModifyFlags.CONFIG | allowed;
  if ((flags & ~known) !== 0) {
    throw new TsvirtError('ERR_INVALID_ARG', `unsupported flags (0x${(flags & ~known).toString(16)})`, {
      field: 'flags',
      value: flags,
      expected: `a combination of live (1) and config (2)${allowed ? ` and 0x${allowed.toString(16)}` : ''}`,
    });
  }
  const live = (flags & DeviceModifyFlags.LIVE) !== 0;
  const config = (flags & DeviceModifyFlags.CONFIG) !== 0;
  const impact = live || config ? { live, config } : { live: dom.active, config: !dom.active };
  if (impact.live) checkAction('live-change', dom.subject);
  if (impact.config && !dom.persistent) {
    throw new TsvirtError(
      'ERR_OPERATION_INVALID',
      'Requested operation is not valid: transient domains do not have any persistent config',
      { domain: dom.name, field: 'flags', value: flags },
    );
  }
  return impact;
}

/** Attach the device of `xml` to the config and/or the running guest. */
export async function attachDevice(
  ctx: DriverContext,
  dom: DomainObject,
  xml: string,
  flags: number,
): Promise<void> {
  const impact = resolveDeviceImpact(dom, flags);
  const spec = parseDeviceXml(xml);
  const config = impact.config ? addToConfig(dom.persistentDef as DomainConfig, spec) : undefined;
  if (impact.live) await hotplugDevice(ctx, dom, spec);
  if (config) await replaceConfig(dom, config);
}

/** Detach the device `xml` names from the config and/or the running guest. */
export async function detachDevice(
  ctx: DriverContext,
  dom: DomainObject,
  xml: string,
  flags: number,
): Promise<void> {
  const impact = resolveDeviceImpact(dom, flags);
  const spec = parseDeviceXml(xml, { match: true });
  const config = impact.config ? removeFromConfig(dom.persistentDef as DomainConfig, spec) : undefined;
  if (impact.live) {
    const live = dom.liveDef as DomainConfig;
    const index = findDeviceIndex(live, spec);
    if (index < 0) throw buildDeviceMissingError(spec, true);
    await unplugDevice(ctx, dom, spec.kind, index);
  }
  if (config) await replaceConfig(dom, config);
}

/** Detach the device with `alias` (a ua- alias in the config, any alias in the live definition). */
export async function detachDeviceAlias(
  ctx: DriverContext,
  dom: DomainObject,
  alias: string,
  flags: number,
): Promise<void> {
  const impact = resolveDeviceImpact(dom, flags);
  const def = impact.live ? (dom.liveDef as DomainConfig) : (dom.persistentDef as DomainConfig);
  const spec = findByAlias(def, alias);
  const config = impact.config ? removeFromConfig(dom.persistentDef as DomainConfig, spec) : undefined;
  if (impact.live) {
    const index = findDeviceIndex(dom.liveDef as DomainConfig, spec);
    await unplugDevice(ctx, dom, spec.kind, index);
  }
  if (config) await replaceConfig(dom, config);
}

/** Update a device in place: a cdrom's media inserted, changed or ejected, or a NIC's link state. */
export async function updateDevice(
  ctx: DriverContext,
  dom: DomainObject,
  xml: string,
  flags: number,
): Promise<void> {
  const impact = resolveDeviceImpact(dom, flags, DeviceModifyFlags.FORCE);
  const spec = parseDeviceXml(xml);
  if (isLinkUpdate(spec)) {
    const changed = impact.config ? changeLinkInConfig(dom.persistentDef as DomainConfig, spec) : undefined;
    if (impact.live) await changeLinkLive(ctx, dom, spec);
    if (changed) await replaceConfig(dom, changed);
    return;
  }
  if (spec.kind !== 'disk') {
    throw new TsvirtError(
      'ERR_NOT_SUPPORTED',
      `Operation not supported: update of device '${spec.kind}' is not supported; only a cdrom's media or a NIC's link state can be changed`,
      { device: spec.kind },
    );
  }
  const config = impact.config
    ? changeMediaInConfig(dom.persistentDef as DomainConfig, spec.disk)
    : undefined;
  if (impact.live) await changeMediaLive(ctx, dom, spec.disk);
  if (config) await replaceConfig(dom, config);
}

function findByAlias(def: DomainConfig, alias: string): DeviceSpec {
  const disk = def.devices.disks.find((d) => d.alias === alias);
  if (disk) return { kind: 'disk', disk };
  const nic = def.devices.interfaces.find((n) => n.alias === alias);
  if (nic) return { kind: 'interface', nic, macGiven: true };
  const input = def.devices.inputs?.find((i) => i.alias === alias);
  if (input) return { kind: 'input', input };
  const rng = def.devices.rngs?.find((r) => r.alias === alias);
  if (rng) return { kind: 'rng', rng };
  // libvirt 9.0 reports this one as an internal error; the text is its, the code says what it is.
  throw new TsvirtError('ERR_DEVICE_MISSING', `internal error: no device found with alias ${alias}`, {
    field: 'alias',
    value: alias,
  });
}

/** The persistent definition with the device added and addressed, checked as define checks it. Pure. */
function addToConfig(def: DomainConfig, spec: DeviceSpec): DomainConfig {
  const out = structuredClone(def);
  const d = out.devices;
  if (spec.kind === 'disk') {
    checkTargetFreeInConfig(def, spec.disk);
    d.disks.push(structuredClone(spec.disk));
  } else if (spec.kind === 'interface') {
    d.interfaces.push(structuredClone(spec.nic));
  } else if (spec.kind === 'input') {
    (d.inputs ??= []).push(structuredClone(spec.input));
  } else {
    (d.rngs ??= []).push(structuredClone(spec.rng));
  }
  const placed = assignDeviceAddresses(out);
  validateDomainConfig(placed);
  return placed;
}

/** The persistent definition without the device `spec` names. Pure. */
function removeFromConfig(def: DomainConfig, spec: DeviceSpec): DomainConfig {
  const index = findDeviceIndex(def, spec);
  if (index < 0) throw buildDeviceMissingError(spec, false);
  const out = structuredClone(def);
  const d = out.devices;
  if (spec.kind === 'disk') d.disks.splice(index, 1);
  else if (spec.kind === 'interface') d.interfaces.splice(index, 1);
  else if (spec.kind === 'input') d.inputs?.splice(index, 1);
  else d.rngs?.splice(index, 1);
  return out;
}

async function replaceConfig(dom: DomainObject, def: DomainConfig): Promise<void> {
  const previous = dom.persistentDef;
  dom.persistentDef = def;
  try {
    await saveConfig(dom);
  } catch (err) {
    dom.persistentDef = previous;
    throw err;
  }
}
