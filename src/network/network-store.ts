import { mkdir, readdir, readFile, rename, rm, stat, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { removeStaleTempFiles, writeFileAtomic } from '../fs/atomic-write.js';
import type { NetworkDef } from './network-def.js';
import { formatNetworkXml } from './network-format.js';
import { parseNetworkXml } from './network-xml.js';

let linkCounter = 0;

/**
 * Network state on disk, laid out as libvirt's: ROOT/etc/network/NAME.xml (persistent definitions),
 * ROOT/etc/network/autostart/NAME.xml (symlink marks), ROOT/run/network/NAME.xml (networks that are running).
 */
export class NetworkStore {
  readonly etcDir: string;
  readonly autostartDir: string;
  readonly runDir: string;

  constructor(
    root: string,
    private readonly warn: (message: string) => void,
  ) {
    this.etcDir = join(root, 'etc', 'network');
    this.autostartDir = join(this.etcDir, 'autostart');
    this.runDir = join(root, 'run', 'network');
  }

  /**
   * Make the folders and remove the temp files of writers killed mid-write; `firstOpen` is true when
   * the root had no network folder yet.
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
  async loadPersistent(): Promise<NetworkDef[]> {
    return this.loadDir(this.etcDir);
  }

  /** Definitions of the networks that were running when the last driver stopped. */
  async loadRunning(): Promise<NetworkDef[]> {
    return this.loadDir(this.runDir);
  }

  /** Names of networks with an autostart mark. */
  async loadAutostart(): Promise<Set<string>> {
    const names = await readdir(this.autostartDir);
    return new Set(names.filter((n) => n.endsWith('.xml')).map((n) => n.slice(0, -4)));
  }

  /** Store a persistent definition. */
  async savePersistent(def: NetworkDef): Promise<void> {
    await writeFileAtomic(join(this.etcDir, `${def.name}.xml`), formatNetworkXml(def));
  }

  /** Remove a persistent definition and its autostart mark. */
  async removePersistent(name: string): Promise<void> {
    await this.setAutostart(name, false);
    await rm(join(this.etcDir, `${name}.xml`), { force: true });
  }

  /** Record that a network runs, with the definition it runs with. */
  async saveRunning(def: NetworkDef): Promise<void> {
    await writeFileAtomic(join(this.runDir, `${def.name}.xml`), formatNetworkXml(def));
  }

  /** Record that a network no longer runs. */
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

  private async loadDir(dir: string): Promise<NetworkDef[]> {
    const defs: NetworkDef[] = [];
    for (const file of (await readdir(dir)).filter((f) => f.endsWith('.xml') && !f.startsWith('.')).sort()) {
      try {
        const parsed = parseNetworkXml(await readFile(join(dir, file), 'utf8'));
        if (parsed.uuid === undefined) throw new Error('it has no <uuid>');
        const def: NetworkDef = { ...parsed, uuid: parsed.uuid };
        if (`${def.name}.xml` !== file) throw new Error(`it defines network '${def.name}'`);
        defs.push(def);
      } catch (err) {
        this.warn(`${join(dir, file)}: ignored: ${(err as Error).message}`);
      }
    }
    return defs;
  }
}
