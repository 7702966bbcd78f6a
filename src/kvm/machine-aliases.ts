import { run } from '../exec/index.js';

/** Bound of `qemu-system-x86_64 -machine help`, which answers in well under 100 ms. */
const MACHINE_HELP_TIMEOUT_MS = 5_000;

/** "NAME   DESCRIPTION (alias of CANONICAL)": one alias line of `-machine help`. */
const ALIAS_LINE = /^(\S+)\s+.*\(alias of (\S+)\)\s*$/;

/**
 * Parse `qemu-system-x86_64 -machine help` into qemu's machine aliases: "pc  Standard PC (i440FX +
 * PIIX, 1996) (alias of pc-i440fx-7.2)" gives pc -> pc-i440fx-7.2. Lines without "(alias of ...)" are
 * canonical machines and not listed.
 */
export function parseMachineAliases(text: string): Map<string, string> {
  const aliases = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = ALIAS_LINE.exec(line.trim());
    if (m) aliases.set(m[1] as string, m[2] as string);
  }
  return aliases;
}

/** Ask a qemu binary for its machine aliases. Throws CommandFailedError when qemu fails. */
export async function probeMachineAliases(binary: string): Promise<Map<string, string>> {
  const { stdout } = await run([binary, '-machine', 'help'], { timeoutMs: MACHINE_HELP_TIMEOUT_MS });
  return parseMachineAliases(stdout);
}
