import { TsvirtError } from '../../src/errors.js';

/** The `depends=` key of a kernel module's .modinfo section: a comma-separated list of module names. */
const DEPENDS_KEY = Buffer.from('\0depends=', 'latin1');

/** A module's name as the kernel spells it: the file name without .ko[.xz|.zst|.gz], '-' as '_'. */
export function parseModuleName(fileName: string): string {
  return fileName.replace(/\.ko(\.(xz|zst|gz))?$/, '').replace(/-/g, '_');
}

/**
 * The modules that an uncompressed .ko needs loaded first, read from its .modinfo `depends=` string
 * (what depmod would write to modules.dep, which a package unpacked with dpkg -x lacks).
 */
export function parseModuleDepends(ko: Buffer): string[] {
  const at = ko.indexOf(DEPENDS_KEY);
  if (at < 0) return [];
  const start = at + DEPENDS_KEY.length;
  const end = ko.indexOf(0, start);
  const value = ko.toString('latin1', start, end < 0 ? ko.length : end);
  return value
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
}

/**
 * Order modules so that each comes after the modules it depends on, the wanted ones in the order given.
 * Throws ERR_INVALID_ARG when the graph has a cycle.
 */
export function buildLoadOrder(wanted: readonly string[], dependsOf: (name: string) => string[]): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: readonly string[]): void => {
    const seen = state.get(name);
    if (seen === 'done') return;
    if (seen === 'visiting') {
      const cycle = [...path, name].join(' -> ');
      throw new TsvirtError('ERR_INVALID_ARG', `kernel modules: dependency cycle ${cycle}`, {
        field: 'depends',
        value: cycle,
      });
    }
    state.set(name, 'visiting');
    for (const dep of dependsOf(name)) visit(dep, [...path, name]);
    state.set(name, 'done');
    order.push(name);
  };
  for (const name of wanted) visit(name, []);
  return order;
}
