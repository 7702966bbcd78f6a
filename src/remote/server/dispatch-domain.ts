/** Handlers of the domain procedures: each decodes into one Connection call. */
import type { Connection, DomainRef } from '../../connection.js';
import { TsvirtError } from '../../errors.js';
import { Limit, Procedure as P } from '../protocol.js';
import { buildCpuMap, parseCpuMap } from '../cpumap.js';
import type { HandlerTable } from './dispatch-types.js';

/** virDomainVcpuFlags VIR_DOMAIN_VCPU_MAXIMUM. */
const VCPU_MAXIMUM = 4;
/** virDomainXMLFlags VIR_DOMAIN_XML_INACTIVE (also virDomainModificationImpact CONFIG = 2). */
const XML_INACTIVE = 2;

/** Rejects a requested map size as libvirtd does before it allocates anything. */
function checkMapSize(count: number, maplen: number, maxCount: number, what: string): void {
  if (count < 0 || maplen < 0 || count > maxCount || count * maplen > Limit.CPUMAPS_MAX) {
    throw new TsvirtError(
      'ERR_INVALID_ARG',
      `${what} ${count} x maplen ${maplen} is over the protocol's limit`,
      {
        field: what,
        value: count,
        expected: `<= ${maxCount}, and count * maplen <= ${Limit.CPUMAPS_MAX}`,
      },
    );
  }
}

/** `count` bitmaps of `maplen` bytes, one per CPU list, zero-filled past the lists. */
function packCpuMaps(lists: number[][], count: number, maplen: number): Buffer {
  const out = Buffer.alloc(count * maplen);
  lists.slice(0, count).forEach((cpus, i) => buildCpuMap(cpus, maplen).copy(out, i * maplen));
  return out;
}

/** virDomainGetVcpusFlags from the domain XML: `<vcpu current='C'>MAX</vcpu>`. */
async function countVcpus(conn: Connection, dom: DomainRef, flags: number): Promise<number> {
  const xml = await conn.domainGetXMLDesc(dom, flags & XML_INACTIVE);
  const m = /<vcpu\b([^>]*)>\s*(\d+)\s*<\/vcpu>/.exec(xml);
  if (!m) return (await conn.domainGetInfo(dom)).nrVirtCpu;
  const max = Number(m[2]);
  const current = /current=['"](\d+)['"]/.exec(m[1] ?? '');
  return flags & VCPU_MAXIMUM || !current ? max : Number(current[1]);
}

/** Domain procedures. */
export const domainHandlers: HandlerTable = {
  [P.DOMAIN_LOOKUP_BY_ID]: async (ctx, { id }) => ({ dom: await ctx.conn.lookupDomainByID(id) }),
  [P.DOMAIN_LOOKUP_BY_NAME]: async (ctx, { name }) => ({ dom: await ctx.conn.lookupDomainByName(name) }),
  [P.DOMAIN_LOOKUP_BY_UUID]: async (ctx, { uuid }) => ({ dom: await ctx.conn.lookupDomainByUUID(uuid) }),
  [P.DOMAIN_DEFINE_XML]: async (ctx, { xml }) => ({ dom: await ctx.conn.domainDefineXML(xml) }),
  [P.DOMAIN_DEFINE_XML_FLAGS]: async (ctx, { xml, flags }) => ({
    dom: await ctx.conn.domainDefineXML(xml, flags),
  }),
  [P.DOMAIN_CREATE_XML]: async (ctx, { xml_desc, flags }) => ({
    dom: await ctx.conn.domainCreateXML(xml_desc, flags),
  }),
  [P.DOMAIN_UNDEFINE]: async (ctx, { dom }) => ctx.conn.domainUndefine(dom),
  [P.DOMAIN_UNDEFINE_FLAGS]: async (ctx, { dom, flags }) => ctx.conn.domainUndefine(dom, flags),
  [P.DOMAIN_CREATE]: async (ctx, { dom }) => {
    await ctx.conn.domainCreate(dom);
  },
  [P.DOMAIN_CREATE_WITH_FLAGS]: async (ctx, { dom, flags }) => ({
    dom: await ctx.conn.domainCreate(dom, flags),
  }),
  [P.DOMAIN_SHUTDOWN]: async (ctx, { dom }) => ctx.conn.domainShutdown(dom),
  [P.DOMAIN_SHUTDOWN_FLAGS]: async (ctx, { dom, flags }) => ctx.conn.domainShutdown(dom, flags),
  [P.DOMAIN_DESTROY]: async (ctx, { dom }) => ctx.conn.domainDestroy(dom),
  [P.DOMAIN_DESTROY_FLAGS]: async (ctx, { dom, flags }) => ctx.conn.domainDestroy(dom, flags),
  [P.DOMAIN_REBOOT]: async (ctx, { dom, flags }) => ctx.conn.domainReboot(dom, flags),
  [P.DOMAIN_RESET]: async (ctx, { dom, flags }) => ctx.conn.domainReset(dom, flags),
  [P.DOMAIN_SUSPEND]: async (ctx, { dom }) => ctx.conn.domainSuspend(dom),
  [P.DOMAIN_RESUME]: async (ctx, { dom }) => ctx.conn.domainResume(dom),
  [P.DOMAIN_GET_INFO]: async (ctx, { dom }) => ctx.conn.domainGetInfo(dom),
  [P.DOMAIN_GET_STATE]: async (ctx, { dom }) => ctx.conn.domainGetState(dom),
  [P.DOMAIN_GET_XML_DESC]: async (ctx, { dom, flags }) => ({
    xml: await ctx.conn.domainGetXMLDesc(dom, flags),
  }),
  [P.DOMAIN_GET_OS_TYPE]: async (ctx, { dom }) => ({ type: await ctx.conn.domainGetOSType(dom) }),
  [P.DOMAIN_IS_ACTIVE]: async (ctx, { dom }) => ({ active: await ctx.conn.domainIsActive(dom) }),
  [P.DOMAIN_IS_PERSISTENT]: async (ctx, { dom }) => ({ persistent: await ctx.conn.domainIsPersistent(dom) }),
  [P.DOMAIN_GET_AUTOSTART]: async (ctx, { dom }) => ({ autostart: await ctx.conn.domainGetAutostart(dom) }),
  [P.DOMAIN_SET_AUTOSTART]: async (ctx, { dom, autostart }) => ctx.conn.domainSetAutostart(dom, autostart),
  [P.DOMAIN_SET_MEMORY]: async (ctx, { dom, memory }) => ctx.conn.domainSetMemory(dom, memory),
  [P.DOMAIN_SET_MEMORY_FLAGS]: async (ctx, { dom, memory, flags }) =>
    ctx.conn.domainSetMemory(dom, memory, flags),
  [P.DOMAIN_MEMORY_STATS]: async (ctx, { dom, maxStats }) => ({
    stats: (await ctx.conn.domainMemoryStats(dom)).slice(0, maxStats),
  }),
  [P.DOMAIN_GET_VCPUS]: async (ctx, { dom, maxinfo, maplen }) => {
    checkMapSize(maxinfo, maplen, Limit.VCPUINFO_MAX, 'maxinfo');
    const vcpus = (await ctx.conn.domainGetVcpus(dom)).slice(0, maxinfo);
    return {
      info: vcpus.map((v) => ({ number: v.number, state: v.state, cpu_time: v.cpuTimeNs, cpu: v.cpu })),
      cpumaps: packCpuMaps(
        vcpus.map((v) => v.affinity),
        maxinfo,
        maplen,
      ),
    };
  },
  [P.DOMAIN_GET_VCPUS_FLAGS]: async (ctx, { dom, flags }) => ({
    num: await countVcpus(ctx.conn, dom, flags),
  }),
  [P.DOMAIN_PIN_VCPU]: async (ctx, { dom, vcpu, cpumap }) =>
    ctx.conn.domainPinVcpu(dom, vcpu, parseCpuMap(cpumap)),
  [P.DOMAIN_PIN_VCPU_FLAGS]: async (ctx, { dom, vcpu, cpumap, flags }) =>
    ctx.conn.domainPinVcpu(dom, vcpu, parseCpuMap(cpumap), flags),
  [P.DOMAIN_GET_VCPU_PIN_INFO]: async (ctx, { dom, ncpumaps, maplen, flags }) => {
    checkMapSize(ncpumaps, maplen, Limit.VCPUINFO_MAX, 'ncpumaps');
    const lists = await ctx.conn.domainGetVcpuPinInfo(dom, flags);
    const num = Math.min(lists.length, ncpumaps);
    return { cpumaps: packCpuMaps(lists, ncpumaps, maplen), num };
  },
  // tsvirt keeps no managed-save images, snapshots, security labels or taint messages.
  [P.DOMAIN_HAS_MANAGED_SAVE_IMAGE]: async (ctx, { dom }) => {
    await ctx.conn.lookupDomainByUUID(dom.uuid);
    return { result: 0 };
  },
  [P.DOMAIN_SNAPSHOT_NUM]: async (ctx, { dom }) => {
    await ctx.conn.lookupDomainByUUID(dom.uuid);
    return { num: 0 };
  },
  [P.DOMAIN_GET_SECURITY_LABEL]: async (ctx, { dom }) => {
    await ctx.conn.lookupDomainByUUID(dom.uuid);
    return { label: '', enforcing: 0 };
  },
  [P.DOMAIN_GET_MESSAGES]: async (ctx, { dom }) => {
    await ctx.conn.lookupDomainByUUID(dom.uuid);
    return { msgs: [] };
  },
};
