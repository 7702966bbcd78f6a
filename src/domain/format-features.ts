import { HYPERV_FEATURES, type DomainConfig } from './types.js';
import { el, type XmlNode } from './xml-writer.js';

const onOff = (value: boolean): string => (value ? 'on' : 'off');
const yesNo = (value: boolean | undefined): string | undefined =>
  value === undefined ? undefined : value ? 'yes' : 'no';

/** <features> in libvirt's order: acpi, apic, pae, hyperv, kvm, vmport; nothing when none is set. */
export function buildFeaturesNode(config: DomainConfig): XmlNode | undefined {
  const f = config.features;
  const hyperv =
    f.hyperv &&
    el(
      'hyperv',
      [['mode', f.hyperv.mode]],
      HYPERV_FEATURES.filter((name) => f.hyperv?.features[name] !== undefined).map((name) => {
        const state = f.hyperv?.features[name] === true;
        return el(name, [
          ['state', onOff(state)],
          ['retries', name === 'spinlocks' && state ? f.hyperv?.spinlockRetries : undefined],
        ]);
      }),
    );
  const children = [
    f.acpi && el('acpi'),
    f.apic && el('apic'),
    f.pae === true && el('pae'),
    hyperv,
    f.kvmHidden !== undefined && el('kvm', [], [el('hidden', [['state', onOff(f.kvmHidden)]])]),
    f.vmport !== undefined && el('vmport', [['state', onOff(f.vmport)]]),
  ];
  return children.some((c) => c) ? el('features', [], children) : undefined;
}

/** <clock offset=...> with its timers (attributes in libvirt's order: name, present, tickpolicy, frequency). */
export function buildClockNode(config: DomainConfig): XmlNode | undefined {
  const clock = config.clock;
  if (!clock) return undefined;
  return el(
    'clock',
    [['offset', clock.offset]],
    (clock.timers ?? []).map((t) =>
      el('timer', [
        ['name', t.name],
        ['present', yesNo(t.present)],
        ['tickpolicy', t.tickpolicy],
        ['frequency', t.frequency],
      ]),
    ),
  );
}

/** <pm> with the suspend states it names. */
export function buildPmNode(config: DomainConfig): XmlNode | undefined {
  const pm = config.pm;
  if (!pm) return undefined;
  return el(
    'pm',
    [],
    [
      pm.suspendToMem !== undefined && el('suspend-to-mem', [['enabled', yesNo(pm.suspendToMem)]]),
      pm.suspendToDisk !== undefined && el('suspend-to-disk', [['enabled', yesNo(pm.suspendToDisk)]]),
    ],
  );
}

/** <feature> and <topology> children of <cpu>, in libvirt's order (topology first). */
export function buildCpuChildren(config: DomainConfig): XmlNode[] {
  const cpu = config.cpu;
  if (!cpu) return [];
  const t = cpu.topology;
  return [
    ...(t
      ? [
          el('topology', [
            ['sockets', t.sockets],
            ['dies', t.dies],
            ['cores', t.cores],
            ['threads', t.threads],
          ]),
        ]
      : []),
    ...(cpu.features ?? []).map((f) =>
      el('feature', [
        ['policy', f.policy],
        ['name', f.name],
      ]),
    ),
  ];
}
