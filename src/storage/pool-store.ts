import { DefinitionStore } from '../fs/definition-store.js';
import { formatPoolXml, parsePoolXml, type PoolDef } from './pool-xml.js';

/**
 * Pool state on disk, laid out as libvirt's: ROOT/etc/storage/NAME.xml (persistent definitions),
 * ROOT/etc/storage/autostart/NAME.xml (symlink marks), ROOT/run/storage/NAME.xml (pools that are running).
 */
export class PoolStore extends DefinitionStore<PoolDef> {
  constructor(root: string, warn: (message: string) => void) {
    super(
      root,
      { folder: 'storage', noun: 'pool', format: (def) => formatPoolXml(def) + '\n', parse: parsePoolXml },
      warn,
    );
  }
}
