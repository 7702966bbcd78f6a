/**
 * Formats rows as virsh prints its tables: a leading space, columns padded to their widest cell and
 * separated by three spaces (the last column unpadded), a dashed rule two longer than the widest row,
 * and a blank line after the last row.
 */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    ' ' + cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] as number))).join('   ');
  const total = widths.reduce((a, b) => a + b, 0) + 3 * (widths.length - 1) + 1;
  return [line(header), '-'.repeat(total + 2), ...rows.map(line), ''].join('\n');
}

/** Formats "Key:    value" lines as virsh's info commands do (keys padded to 16 columns). */
export function formatFields(fields: Array<[string, string]>): string {
  return fields.map(([k, v]) => `${`${k}:`.padEnd(16)}${v}`.trimEnd()).join('\n');
}

/** Formats a byte count as virsh does ("100.00 GiB", "0.00 B"). */
export function formatBytes(bytes: bigint | number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let value = Number(bytes);
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(2)} ${units[unit]}`;
}
