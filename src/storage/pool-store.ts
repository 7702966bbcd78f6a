import { mkdir, readdir, readFile, rename, rm, stat, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { removeStaleTempFiles, writeFileAtomic } from '../fs/atomic-write.js';
import { formatPoolXml, parsePoolXml, type PoolDef } from './pool-xml.js';

let linkCounter = 0;

/**
 * Pool state on disk, laid out as libvirt's: ROOT/etc/storage/NAME.xml (persistent definitions),
 * ROOT/etc/storage/autostart/NAME.xml (symlink marks), ROOT/run/storage/NAME.xml (pools that are running).
 */
export class PoolStore {
  readonly etcDir: string;
  readonly autostartDir: string;
  readonly runDir: string;

  constructor(
    root: string,
    private readonly warn: (message: string) => void,
  ) {
    this.etcDir = join(root, 'etc', 'storage');
    this.autostartDir = join(this.etcDir, 'autostart');
    this.runDir = join(root, 'run', 'storage');
  }

  /**
   * Make the folders and remove the temp files of writers killed mid-write; `firstOpen` is true when
   * the root had no storage folder yet.
   */
  async init(): Promise<{ firstOpen: boolean }> {
    const firstOpen = !(await stat(this.etcDir).catch(() => undefined));
    await mkdir(this.autostartDir, { recursive: true, mode: 0o755 });
    await mkdir(this.runDir, { recursive: true, mode: 0o755 });
    for (const dir of [this.etcDir, this.autostartDir, this.runDir]) {
      for (const name of await removeStaleTempFiles(dir))
        this.warn(`${dir}/${name}: removed a half-written file`);
    }
    return { firstOpen };
  }

  /** Persistent definitions. A file that does not parse is reported and left in place. */
  async loadPersistent(): Promise<PoolDef[]> {
    return this.loadDir(this.etcDir);
  }

  /** Definitions of the pools that were running when the last driver stopped. */
  async loadRunning(): Promise<PoolDef[]> {
    return this.loadDir(this.runDir);
  }

  /** Names of pools with an autostart mark. */
  async loadAutostart(): Promise<Set<string>> {
    const names = await readdir(this.autostartDir);
    return new Set(names.filter((n) => n.endsWith('.xml')).map((n) => n.slice(0, -4)));
  }

  /** Store a persistent definition. */
  async savePersistent(def: PoolDef): Promise<void> {
    await writeFileAtomic(join(this.etcDir, `${def.name}.xml`), formatPoolXml(def) + '\n');
  }

  /** Remove a persistent definition and its autostart mark. */
  async removePersistent(name: string): Promise<void> {
    await this.setAutostart(name, false);
    await rm(join(this.etcDir, `${name}.xml`), { force: true });
  }

  /** Record that a pool runs, with the definition it runs with. */
  async saveRunning(def: PoolDef): Promise<void> {
    await writeFileAtomic(join(this.runDir, `${def.name}.xml`), formatPoolXml(def) + '\n');
  }

  /** Record that a pool no longer runs. */
  async removeRunning(name: string): Promise<void> {
    await rm(join(this.runDir, `${name}.xml`), { force: true });
  }

  /** Set or clear the autostart mark: a symlink to the definition, as libvirt makes it. */
  async setAutostart(name: string, on: boolean): Promise<void> {
    const mark = join(this.autostartDir, `${name}.xml`);
    if (!on) {
      await rm(mark, { force: true });
      return;
    }
    // Named as writeFileAtomic names its temp files, so that removeStaleTempFiles finds a leftover.
    const temp = join(this.autostartDir, `.${name}.xml.${process.pid}.${++linkCounter}.tmp`);
    await symlink(join('..', `${name}.xml`), temp);
    await rename(temp, mark);
  }

  private async loadDir(dir: string): Promise<PoolDef[]> {
    const defs: PoolDef[] = [];
    for (const file of (await readdir(dir)).filter((f) => f.endsWith('.xml') && !f.startsWith('.')).sort()) {
      try {
        const def = parsePoolXml(await readFile(join(dir, file), 'utf8'));
        if (`${def.name}.xml` !== file) throw new Error(`it defines pool '${def.name}'`);
        defs.push(def);
      } catch (err) {
        this.warn(`${join(dir, file)}: ignored: ${(err as Error).message}`);
      }
    }
    return defs;
  }
}
