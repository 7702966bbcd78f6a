import { ElementReader, invalid, notSupported } from './element-reader.js';
import type { BootDevice, OsConfig } from './types.js';
import type { XmlElement } from './xml-tree.js';

/** Machine types of qemu-system-x86_64 7.2 that tsvirt drives: i440FX ("pc") and Q35 with versions. */
export const MACHINE_PATTERN = /^(pc|q35|pc-i440fx-\d+\.\d+|pc-q35-\d+\.\d+)$/;

/** The machine used when <os><type> names none; qemu's alias of its newest i440FX machine. */
export const DEFAULT_MACHINE = 'pc';

const BOOT_DEVICES = ['hd', 'cdrom', 'network', 'fd'] as const;

/** Whether a machine type is a Q35 one (AHCI built in, no IDE controller). */
export function isQ35Machine(machine: string): boolean {
  return machine === 'q35' || machine.startsWith('pc-q35-');
}

/** Read <os>: type hvm on x86_64, a machine, the boot order and an optional direct kernel boot. */
export function parseOs(r: ElementReader | undefined, domain: XmlElement): OsConfig {
  if (!r)
    throw invalid(domain, 'element <os> is missing', { expected: "<os><type arch='x86_64'>hvm</type></os>" });
  const typeEl = r.child('type');
  if (!typeEl) throw invalid(r.el, 'element <type> is missing', { expected: '<type>hvm</type>' });
  const arch = typeEl.enumAttr('arch', ['x86_64'], 'x86_64');
  const machine = typeEl.attr('machine') ?? DEFAULT_MACHINE;
  if (!MACHINE_PATTERN.test(machine)) {
    throw notSupported(typeEl.el, {
      attribute: 'machine',
      value: machine,
      expected: ['pc', 'q35', 'pc-i440fx-X.Y', 'pc-q35-X.Y'],
    });
  }
  typeEl.finish();
  if (typeEl.text() !== 'hvm') throw notSupported(typeEl.el, { value: typeEl.text(), expected: ['hvm'] });
  const boot = r.children('boot').map((b) => {
    const dev = b.enumAttr('dev', BOOT_DEVICES);
    if (dev === undefined)
      throw invalid(b.el, "attribute 'dev' is missing", {
        attribute: 'dev',
        expected: BOOT_DEVICES.join(', '),
      });
    b.finish();
    return dev;
  });
  const os: OsConfig = { type: 'hvm', arch, machine, boot: dedupe(boot, r) };
  for (const key of ['kernel', 'initrd', 'cmdline'] as const) {
    const child = r.child(key);
    if (!child) continue;
    child.finish();
    os[key] = child.requireText(key === 'cmdline' ? 'a kernel command line' : 'an absolute path');
  }
  r.finish();
  // libvirt boots from the first hard disk when neither <boot> nor a kernel is given.
  if (os.boot.length === 0 && os.kernel === undefined) os.boot = ['hd'];
  return os;
}

function dedupe(boot: BootDevice[], r: ElementReader): BootDevice[] {
  const seen = new Set<BootDevice>();
  for (const dev of boot) {
    if (seen.has(dev))
      throw invalid(r.el, `boot device '${dev}' is listed twice`, {
        value: dev,
        expected: 'each boot device at most once',
      });
    seen.add(dev);
  }
  return boot;
}
