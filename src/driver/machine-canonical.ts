import type { DomainConfig } from '../domain/types.js';
import type { QemuCaps } from '../kvm/qemu-caps-parse.js';

/**
 * The definition with its machine alias replaced by the machine it stands for in this qemu (pc ->
 * pc-i440fx-7.2), as libvirt writes it at define, so that the guest keeps its machine across qemu
 * upgrades. A canonical name stays; when qemu cannot be asked, the name stays as written and `log`
 * says why.
 */
export async function canonicalizeMachine(
  def: DomainConfig,
  binary: string,
  qemuCaps: (binary: string) => Promise<QemuCaps>,
  log: (line: string) => void,
): Promise<DomainConfig> {
  let machines: QemuCaps['machines'];
  try {
    machines = (await qemuCaps(binary)).machines;
  } catch (err) {
    log(
      `domain '${def.name}': machine '${def.os.machine}' kept as written: ${binary} could not list its machines: ${String(err)}`,
    );
    return def;
  }
  const canonical = machines.find((m) => m.alias === def.os.machine)?.name;
  return canonical === undefined ? def : { ...def, os: { ...def.os, machine: canonical } };
}
