import { TsvirtError } from '../errors.js';
import { assignDeviceAddresses } from '../domain/device-identity.js';
import { canonicalizeMachine } from './machine-canonical.js';
import { formatDomainXml } from '../domain/format-domain.js';
import { parseDomainXml } from '../domain/parse-domain.js';
import { parseDomainXmlOffThread } from '../domain/parse-thread.js';
import type { DomainConfig } from '../domain/types.js';
import { DefinedDetail, EventType, UndefinedDetail } from '../api/domain-enums.js';
import type { DriverContext } from './context.js';
import { DomainObject } from './domain-object.js';
import { buildDomainPaths, removeFile } from './runtime-files.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { checkAction } from './state-machine.js';
import { checkEmulator } from './emulator.js';
import { buildDropPrivilegesArgv } from './qemu-user.js';
import { emitLifecycle, saveConfig, saveStatus } from './transitions.js';

/**
 * What define and createXML make of a parsed definition, as libvirt does: the machine alias replaced by
 * the machine it stands for in this qemu, and every device given its address.
 */
async function completeDefinition(ctx: DriverContext, parsed: DomainConfig): Promise<DomainConfig> {
  const binary = parsed.devices.emulator ?? (await ctx.hostFacts().catch(() => undefined))?.qemuBinary;
  return assignDeviceAddresses(
    binary === undefined ? parsed : await canonicalizeMachine(parsed, binary, ctx.qemuCaps, ctx.log),
  );
}

/**
 * Define (or redefine) a persistent domain. The XML is parsed and checked before any file is written,
 * so bad XML changes nothing. A running domain keeps its live definition until it stops.
 */
export async function defineDomain(ctx: DriverContext, xml: string): Promise<DomainObject> {
  // A large document is parsed off the event loop; devices get their addresses once, here, as in libvirt.
  const def = await completeDefinition(ctx, await parseDomainXmlOffThread(xml));
  await checkEmulator(def.name, def.devices.emulator, buildDropPrivilegesArgv(ctx.confinement));
  ctx.registry.checkFree(def.name, def.uuid);
  const existing = ctx.registry.findByName(def.name);
  if (!existing) {
    const dom = new DomainObject(def.name, def.uuid, buildDomainPaths(ctx.dirs, def.name));
    dom.persistentDef = def;
    ctx.registry.add(dom);
    try {
      await saveConfig(dom);
    } catch (err) {
      ctx.registry.remove(dom);
      throw err;
    }
    emitLifecycle(ctx, dom, EventType.DEFINED, DefinedDetail.ADDED);
    return dom;
  }
  return existing.job.run('define', ctx.jobWaitMs, async () => {
    const wasPersistent = existing.persistent;
    const previous = existing.persistentDef;
    existing.persistentDef = def;
    try {
      await saveConfig(existing);
    } catch (err) {
      existing.persistentDef = previous;
      throw err;
    }
    emitLifecycle(
      ctx,
      existing,
      EventType.DEFINED,
      wasPersistent ? DefinedDetail.UPDATED : DefinedDetail.ADDED,
    );
    return existing;
  });
}

/**
 * The domain domainCreateXML starts, with the definition to run: a new transient domain object (the
 * caller drops it if its start fails) or, as libvirt does, a defined domain that is shut off and has
 * the same name and uuid, which then runs this definition once and keeps its persistent one.
 */
export async function registerForCreate(
  ctx: DriverContext,
  xml: string,
): Promise<{ dom: DomainObject; def: DomainConfig; added: boolean }> {
  const def = await completeDefinition(ctx, parseDomainXml(xml));
  ctx.registry.checkFree(def.name, def.uuid);
  const existing = ctx.registry.findByName(def.name);
  if (existing) {
    if (existing.active) {
      throw new TsvirtError('ERR_OPERATION_INVALID', `domain '${def.name}' is already active`, {
        name: def.name,
        uuid: def.uuid,
      });
    }
    return { dom: existing, def, added: false };
  }
  const dom = new DomainObject(def.name, def.uuid, buildDomainPaths(ctx.dirs, def.name));
  dom.liveDef = def;
  ctx.registry.add(dom);
  return { dom, def, added: true };
}

/** Remove the persistent definition and autostart mark; a running domain goes on as transient. */
export async function undefineDomain(ctx: DriverContext, dom: DomainObject): Promise<void> {
  checkAction('undefine', dom.subject);
  await removeFile(dom.paths.autostart);
  await removeFile(dom.paths.config);
  if (dom.active && !dom.liveDef) dom.liveDef = dom.persistentDef;
  dom.persistentDef = undefined;
  dom.autostart = false;
  emitLifecycle(ctx, dom, EventType.UNDEFINED, UndefinedDetail.REMOVED);
  if (dom.active) await saveStatus(ctx, dom);
  else ctx.registry.remove(dom);
}

/** Create or remove etc/qemu/autostart/NAME.xml (libvirt makes it a symlink; tsvirt a copy of the XML). */
export async function setAutostart(dom: DomainObject, autostart: boolean): Promise<void> {
  checkAction('set-autostart', dom.subject);
  if (autostart) {
    await writeFileAtomic(
      dom.paths.autostart,
      formatDomainXml(dom.persistentDef as DomainConfig, undefined, { secure: true }),
    );
  } else {
    await removeFile(dom.paths.autostart);
  }
  dom.autostart = autostart;
}
