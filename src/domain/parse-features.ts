import { ElementReader, invalid, notSupported } from './element-reader.js';
import {
  HYPERV_FEATURES,
  type ClockConfig,
  type ClockTimer,
  type FeaturesConfig,
  type HypervConfig,
  type HypervFeature,
  type PmConfig,
} from './types.js';

/** libvirt's lowest <spinlocks retries=.../>. */
const MIN_SPINLOCK_RETRIES = 4095;

const TIMER_NAMES = ['rtc', 'pit', 'hpet', 'kvmclock', 'hypervclock', 'tsc'] as const;
const TICK_POLICIES = ['delay', 'catchup', 'merge', 'discard'] as const;

/** Which tick policies qemu can carry out for each timer (libvirt refuses the others). */
const TIMER_TICK_POLICIES: Partial<Record<ClockTimer['name'], readonly string[]>> = {
  rtc: ['delay', 'catchup'],
  pit: ['delay', 'catchup', 'discard'],
};

/** Read <features>: acpi, apic, pae, hyperv, vmport and kvm; any other feature is not supported. */
export function parseFeatures(r: ElementReader | undefined): FeaturesConfig {
  if (!r) return { acpi: false, apic: false };
  const flag = (name: string): boolean => {
    const child = r.child(name);
    child?.finish();
    return child !== undefined;
  };
  const features: FeaturesConfig = { acpi: flag('acpi'), apic: flag('apic') };
  if (flag('pae')) features.pae = true;
  const hyperv = readHyperv(r.child('hyperv'));
  if (hyperv) features.hyperv = hyperv;
  const vmport = r.child('vmport');
  if (vmport) {
    features.vmport = readState(vmport);
    vmport.finish();
  }
  const kvm = r.child('kvm');
  if (kvm) {
    const hidden = kvm.child('hidden');
    if (hidden) {
      features.kvmHidden = readState(hidden);
      hidden.finish();
    }
    kvm.finish();
  }
  r.finish();
  return features;
}

function readState(r: ElementReader): boolean {
  const state = r.boolAttr('state', ['on', 'off']);
  if (state === undefined) {
    throw invalid(r.el, "attribute 'state' is missing", { attribute: 'state', expected: 'on or off' });
  }
  return state;
}

function readHyperv(r: ElementReader | undefined): HypervConfig | undefined {
  if (!r) return undefined;
  r.enumAttr('mode', ['custom'], 'custom');
  const hyperv: HypervConfig = { mode: 'custom', features: {} };
  for (const name of HYPERV_FEATURES) {
    const child = r.child(name);
    if (!child) continue;
    hyperv.features[name] = readState(child);
    if (name === 'spinlocks') readSpinlocks(child, hyperv);
    child.finish();
  }
  r.finish();
  return hyperv;
}

function readSpinlocks(r: ElementReader, hyperv: HypervConfig): void {
  const retries = r.uintAttr('retries');
  if (hyperv.features.spinlocks !== true) return;
  if (retries === undefined || retries < MIN_SPINLOCK_RETRIES) {
    throw invalid(
      r.el,
      retries === undefined ? "attribute 'retries' is missing" : `${retries} retries is too few`,
      {
        attribute: 'retries',
        ...(retries === undefined ? {} : { value: String(retries) }),
        expected: `an integer of at least ${MIN_SPINLOCK_RETRIES}`,
      },
    );
  }
  hyperv.spinlockRetries = retries;
}

/** The Hyper-V enlightenments of a config that are on, in libvirt's order. */
export function listHypervOn(hyperv: HypervConfig | undefined): HypervFeature[] {
  return HYPERV_FEATURES.filter((name) => hyperv?.features[name] === true);
}

/** Read <clock offset=...> and its <timer> children. */
export function parseClock(r: ElementReader | undefined): ClockConfig | undefined {
  if (!r) return undefined;
  const offset = r.enumAttr('offset', ['utc', 'localtime'], 'utc');
  const timers = r.children('timer').map(readTimer);
  r.finish();
  const seen = new Set<string>();
  for (const t of timers) {
    if (seen.has(t.name)) {
      throw invalid(r.el, `timer '${t.name}' is listed twice`, {
        value: t.name,
        expected: 'each timer at most once',
      });
    }
    seen.add(t.name);
  }
  return timers.length === 0 ? { offset } : { offset, timers };
}

function readTimer(r: ElementReader): ClockTimer {
  const name = r.enumAttr('name', TIMER_NAMES);
  if (name === undefined) {
    throw invalid(r.el, "attribute 'name' is missing", {
      attribute: 'name',
      expected: TIMER_NAMES.join(', '),
    });
  }
  const timer: ClockTimer = { name };
  const tickpolicy = r.enumAttr('tickpolicy', TICK_POLICIES);
  if (tickpolicy !== undefined) {
    const allowed = TIMER_TICK_POLICIES[name] ?? [];
    if (!allowed.includes(tickpolicy)) {
      throw notSupported(r.el, { attribute: 'tickpolicy', value: tickpolicy, expected: allowed });
    }
    timer.tickpolicy = tickpolicy;
  }
  const present = r.boolAttr('present');
  if (present !== undefined) {
    if (!present && (name === 'rtc' || name === 'pit')) {
      throw notSupported(r.el, { attribute: 'present', value: 'no', expected: ['yes'] });
    }
    timer.present = present;
  }
  const frequency = r.uintAttr('frequency');
  if (frequency !== undefined) {
    if (name !== 'tsc') throw notSupported(r.el, { attribute: 'frequency', value: String(frequency) });
    timer.frequency = frequency;
  }
  r.finish();
  return timer;
}

/** Read <pm>: <suspend-to-mem enabled=.../> and <suspend-to-disk enabled=.../>. */
export function parsePm(r: ElementReader | undefined): PmConfig | undefined {
  if (!r) return undefined;
  const pm: PmConfig = {};
  for (const [name, key] of [
    ['suspend-to-mem', 'suspendToMem'],
    ['suspend-to-disk', 'suspendToDisk'],
  ] as const) {
    const child = r.child(name);
    if (!child) continue;
    const enabled = child.boolAttr('enabled');
    if (enabled === undefined) {
      throw invalid(child.el, "attribute 'enabled' is missing", {
        attribute: 'enabled',
        expected: 'yes or no',
      });
    }
    child.finish();
    pm[key] = enabled;
  }
  r.finish();
  return pm;
}
