/** Whether a domain has a managed save image: the file under lib/qemu/save is the one record of it. */
import { existsSync } from 'node:fs';
import type { DomainObject } from './domain-object.js';

/** Whether lib/qemu/save/NAME.save exists (a completed image: saves write a temp file, then rename). */
export function hasManagedSaveImage(dom: Pick<DomainObject, 'paths'>): boolean {
  return existsSync(dom.paths.managedSave);
}
