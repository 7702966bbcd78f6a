/**
 * virConnectGetSysinfo: the host's SMBIOS tables as libvirt prints them (<sysinfo type='smbios'>),
 * read from the kernel's copy in /sys/class/dmi/id instead of dmidecode.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { el, renderXml, type XmlNode } from '../domain/xml-writer.js';
import { TsvirtError } from '../errors.js';

/** Each SMBIOS block: libvirt's entry names and the /sys/class/dmi/id files they come from. */
export const SMBIOS_BLOCKS: ReadonlyArray<[string, ReadonlyArray<[string, string]>]> = [
  [
    'bios',
    [
      ['vendor', 'bios_vendor'],
      ['version', 'bios_version'],
      ['date', 'bios_date'],
      ['release', 'bios_release'],
    ],
  ],
  [
    'system',
    [
      ['manufacturer', 'sys_vendor'],
      ['product', 'product_name'],
      ['version', 'product_version'],
      ['serial', 'product_serial'],
      ['uuid', 'product_uuid'],
      ['sku', 'product_sku'],
      ['family', 'product_family'],
    ],
  ],
  [
    'baseBoard',
    [
      ['manufacturer', 'board_vendor'],
      ['product', 'board_name'],
      ['version', 'board_version'],
      ['serial', 'board_serial'],
      ['asset', 'board_asset_tag'],
    ],
  ],
  [
    'chassis',
    [
      ['manufacturer', 'chassis_vendor'],
      ['version', 'chassis_version'],
      ['serial', 'chassis_serial'],
      ['asset', 'chassis_asset_tag'],
    ],
  ],
];

/** Builds the XML from the dmi files' contents (file name -> text); empty values and blocks are left out. */
export function buildSysinfoXml(dmi: ReadonlyMap<string, string>): string {
  const blocks: XmlNode[] = [];
  for (const [block, entries] of SMBIOS_BLOCKS) {
    const kids = entries
      .map(([name, file]) => [name, dmi.get(file)?.trim() ?? ''] as const)
      .filter(([, value]) => value !== '')
      .map(([name, value]) => el('entry', [['name', name]], value));
    if (kids.length > 0) blocks.push(el(block, [], kids));
  }
  return renderXml(el('sysinfo', [['type', 'smbios']], blocks));
}

/** Reads /sys/class/dmi/id (files root may read only are skipped when unreadable) and builds the XML. */
export async function readSysinfo(dir = '/sys/class/dmi/id'): Promise<string> {
  const files = SMBIOS_BLOCKS.flatMap(([, entries]) => entries.map(([, file]) => file));
  const texts = await Promise.all(files.map((f) => readFile(join(dir, f), 'utf8').catch(() => undefined)));
  const dmi = new Map<string, string>();
  files.forEach((f, i) => {
    const text = texts[i];
    if (text !== undefined) dmi.set(f, text);
  });
  if (dmi.size === 0) {
    throw new TsvirtError(
      'ERR_NOT_SUPPORTED',
      `Host SMBIOS information is not available: ${dir} is absent or unreadable`,
      { path: dir },
    );
  }
  return buildSysinfoXml(dmi);
}
