/** Typed wrappers of the QMP commands about character devices (qapi/char.json, QEMU 7.2). */
import type { QmpClient } from './client.js';

/** One character device as query-chardev reports it. */
export interface QmpChardev {
  /** The chardev id ('charserial0'). */
  label: string;
  /** The backend and its address: 'pty:/dev/pts/3', 'unix:/path,server=on', 'file'. */
  filename: string;
  /** Whether a front end (a serial device) uses it. */
  frontendOpen: boolean;
}

/** `query-chardev` → [ChardevInfo {label, filename, frontend-open}]. */
export async function queryChardev(c: QmpClient): Promise<QmpChardev[]> {
  type Wire = { label: string; filename: string; 'frontend-open': boolean };
  const r = await c.execute<Wire[]>('query-chardev');
  return r.map((d) => ({ label: d.label, filename: d.filename, frontendOpen: d['frontend-open'] }));
}
