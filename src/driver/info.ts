import { readFileSync } from 'node:fs';
import type { DomainInfo } from '../connection.js';
import { formatDomainXml } from '../domain/format-domain.js';
import { XmlFlags } from '../api/domain-enums.js';
import type { QmpClient } from '../qmp/index.js';
import type { DomainObject } from './domain-object.js';

/**
 * virDomainGetInfo: state, max and current memory (the balloon while running), vCPUs, qemu's CPU time.
 * As libvirt's, it asks qemu nothing: the balloon size is the one qemu last reported (see
 * trackBalloon), so that a qemu that does not answer cannot hold it up.
 */
export async function buildDomainInfo(dom: DomainObject): Promise<DomainInfo> {
  const def = dom.def;
  const memoryKiB = (dom.active ? dom.run?.balloonKiB : undefined) ?? def.currentMemoryKiB;
  return {
    state: dom.state,
    maxMemKiB: BigInt(def.memoryKiB),
    memoryKiB: BigInt(memoryKiB),
    nrVirtCpu: def.vcpusCurrent ?? def.vcpus,
    cpuTimeNs: dom.run ? readProcessCpuTimeNs(dom.run.pid) : 0n,
  };
}

/** virDomainGetXMLDesc: the live XML with runtime facts, or the persistent one with INACTIVE (2). */
export function buildXmlDesc(dom: DomainObject, flags: number): string {
  // SECURE (1): graphics passwords too; the catalogue lets only read-write connections ask for it.
  const options = { secure: (flags & XmlFlags.SECURE) !== 0 };
  if ((flags & XmlFlags.INACTIVE) !== 0 && dom.persistentDef)
    return formatDomainXml(dom.persistentDef, undefined, options);
  if (!dom.active || !dom.liveDef) return formatDomainXml(dom.def, undefined, options);
  return formatDomainXml(
    dom.liveDef,
    {
      id: dom.id,
      ...(dom.run?.vncPort === undefined ? {} : { vncPort: dom.run.vncPort }),
      ...(dom.run?.spicePort === undefined ? {} : { spicePort: dom.run.spicePort }),
      serialPtys: dom.run?.serialPtys ?? [],
      vncSocket: dom.paths.vncSocket,
      channelDir: dom.paths.chanDir,
    },
    options,
  );
}

/** utime + stime of a process from /proc/PID/stat (fields 14 and 15, in USER_HZ = 100 ticks per second). */
export function readProcessCpuTimeNs(pid: number): bigint {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return (BigInt(fields[11] ?? '0') + BigInt(fields[12] ?? '0')) * 10_000_000n;
  } catch {
    return 0n;
  }
}

/** The VNC TCP port qemu listens on, for an address listen with autoport; undefined otherwise. */
export async function readVncPort(dom: DomainObject, qmp: QmpClient): Promise<number | undefined> {
  const vnc = dom.liveDef?.devices.graphics.find((g) => g.type === 'vnc');
  if (!vnc || vnc.listen.kind !== 'address' || !vnc.autoport) return undefined;
  // query-vnc → VncInfo {enabled, host, family, service, auth, clients}: service is the port.
  const info = await qmp.execute<{ enabled: boolean; service?: string }>('query-vnc');
  const port = Number(info.service);
  return info.enabled && Number.isInteger(port) ? port : undefined;
}
