import { mkdir, readdir, readFile, rename, rm, stat, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { removeStaleTempFiles, writeFileAtomic } from './atomic-write.js';

let linkCounter = 0;

/** How a kind of definition is named on disk and read and written as XML. */
export interface DefinitionKind<D extends { name: string }> {
  /** The folder name under ROOT/etc and ROOT/run: `storage`, `network`. */
  folder: string;
  /** The noun in messages: `pool`, `network`. */
  noun: string;
  format(def: D): string;
  /** Parses one file's text; throws what is wrong with it. */
  parse(text: string): D;
}

/**
 * Definitions on disk, laid out as libvirt's: ROOT/etc/FOLDER/NAME.xml (persistent definitions),
 * ROOT/etc/FOLDER/autostart/NAME.xml (symlink marks), ROOT/run/FOLDER/NAME.xml (the ones that run),
 * each written atomically. The pool and network stores are this, with their XML codecs.
 */
export class DefinitionStore<D extends { name: string }> {
  readonly etcDir: string;
  readonly autostartDir: string;
  readonly runDir: string;

  constructor(
    root: string,
    private readonly kind: DefinitionKind<D>,
    private readonly warn: (message: string) => void,
  ) {
    this.etcDir = join(root, 'etc', kind.folder);
    this.autostartDir = join(this.etcDir, 'autostart');
    this.runDir = join(root, 'run', kind.folder);
  }

  /**
   * Make the folders and remove the temp files of writers killed mid-write; `firstOpen` is true when
   * the root had no such folder yet.
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
  async loadPersistent(): Promise<D[]> {
    return this.loadDir(this.etcDir);
  }

  /** Definitions of the ones that were running when the last driver stopped. */
  async loadRunning(): Promise<D[]> {
    return this.loadDir(this.runDir);
  }

  /** Names with an autostart mark. */
  async loadAutostart(): Promise<Set<string>> {
    const names = await readdir(this.autostartDir);
    return new Set(names.filter((n) => n.endsWith('.xml')).map((n) => n.slice(0, -4)));
  }

  /** Store a persistent definition. */
  async savePersistent(def: D): Promise<void> {
    await writeFileAtomic(join(this.etcDir, `${def.name}.xml`), this.kind.format(def));
  }

  /** Remove a persistent definition and its autostart mark. */
  async removePersistent(name: string): Promise<void> {
    await this.setAutostart(name, false);
    await rm(join(this.etcDir, `${name}.xml`), { force: true });
  }

  /** Record that one runs, with the definition it runs with. */
  async saveRunning(def: D): Promise<void> {
    await writeFileAtomic(join(this.runDir, `${def.name}.xml`), this.kind.format(def));
  }

  /** Record that one no longer runs. */
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

  private async loadDir(dir: string): Promise<D[]> {
    const defs: D[] = [];
    for (const file of (await readdir(dir)).filter((f) => f.endsWith('.xml') && !f.startsWith('.')).sort()) {
      try {
        const def = this.kind.parse(await readFile(join(dir, file), 'utf8'));
        if (`${def.name}.xml` !== file) throw new Error(`it defines ${this.kind.noun} '${def.name}'`);
        defs.push(def);
      } catch (err) {
        this.warn(`${join(dir, file)}: ignored: ${(err as Error).message}`);
      }
    }
    return defs;
  }
}
