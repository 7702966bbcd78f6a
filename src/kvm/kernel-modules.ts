import { readdirSync } from 'node:fs';

/** Where the kernel lists loaded modules (and built-in ones that have parameters). */
export const DEFAULT_SYS_MODULE_PATH = '/sys/module';

/**
 * The loaded KVM modules: "kvm" and its vendor parts ("kvm_intel", "kvm_amd", or another such as
 * "kvm_pvm"), sorted. An unreadable folder gives an empty list.
 */
export function listKvmModules(sysModulePath: string = DEFAULT_SYS_MODULE_PATH): string[] {
  let names: string[];
  try {
    names = readdirSync(sysModulePath);
  } catch {
    return [];
  }
  return names.filter((name) => /^kvm(_\w+)?$/.test(name)).sort();
}

/** The vendor modules among `modules`: every KVM module but the core "kvm". */
export function selectVendorModules(modules: readonly string[]): string[] {
  return modules.filter((name) => name !== 'kvm');
}
