import type { DomainConfig } from '../domain/types.js';
import type { LaunchOptions } from './qemu-process.js';

/**
 * A domain with <qemu:commandline> runs with its <qemu:env> variables and is tainted custom-argv, as
 * libvirt marks it: "Domain id=N is tainted: custom-argv" follows the command line in the domain's log.
 */
export function buildCustomArgvLaunch(def: DomainConfig, id: number): LaunchOptions {
  const cmd = def.qemuCommandline;
  if (!cmd) return {};
  const options: LaunchOptions = { notes: [`Domain id=${id} is tainted: custom-argv`] };
  if (cmd.env.length > 0) options.env = Object.fromEntries(cmd.env.map((e) => [e.name, e.value ?? '']));
  return options;
}
