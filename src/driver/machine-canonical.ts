import { probeMachineAliases } from '../kvm/machine-aliases.js';
import type { DomainConfig } from '../domain/types.js';

/** Each qemu binary's machine aliases, probed once per process; a failed probe is tried again. */
const aliasTables = new Map<string, Promise<Map<string, string>>>();

function readAliases(binary: string): Promise<Map<string, string>> {
  let pending = aliasTables.get(binary);
  if (!pending) {
    pending = probeMachineAliases(binary);
    aliasTables.set(binary, pending);
    pending.catch(() => aliasTables.delete(binary));
  }
  return pending;
}

/**
 * The definition with its machine alias replaced by the machine it stands for in this qemu (pc ->
 * pc-i440fx-7.2), as libvirt writes it at define, so that the guest keeps its machine across qemu
 * upgrades. A canonical name stays; when qemu cannot be asked, the name stays as written and `log`
 * says why.
 */
export async function canonicalizeMachine(
  def: DomainConfig,
  binary: string,
  log: (line: string) => void,
): Promise<DomainConfig> {
  let aliases: Map<string, string>;
  try {
    aliases = await readAliases(binary);
  } catch (err) {
    log(
      `domain '${def.name}': machine '${def.os.machine}' kept as written: ${binary} -machine help failed: ${String(err)}`,
    );
    return def;
  }
  const canonical = aliases.get(def.os.machine);
  return canonical === undefined ? def : { ...def, os: { ...def.os, machine: canonical } };
}
