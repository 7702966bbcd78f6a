/**
 * Catalogue: vCPU information and pinning. CPU lists travel as libvirt's bitmaps (cpumap.ts), one per
 * vCPU, each `maplen` bytes; the client sizes them from the server's host CPU count.
 */
import { VcpuFlags, XmlFlags } from '../domain-enums.js';
import type { Connection, DomainRef } from '../../connection.js';
import { TsvirtError } from '../../errors.js';
import { Limit } from '../../remote/protocol.js';
import { buildCpuMap, cpuMapLength, parseCpuMap, splitCpuMaps } from '../../remote/cpumap.js';
import {
  xdrArray,
  xdrInt,
  xdrStruct,
  xdrUhyper,
  xdrUint,
  xdrVarOpaque,
  xdrVoid,
} from '../../remote/xdr-codec.js';
import { domFlagsArgs, remoteDomain } from '../../remote/structs-common.js';
import { Procedure as P } from './procedure-numbers.js';
import { served } from './bind.js';
import { flagsParam, wsRow } from './ws-rows.js';

/** remote_vcpu_info. */
export const vcpuInfo = xdrStruct({ number: xdrUint, state: xdrInt, cpu_time: xdrUhyper, cpu: xdrInt });
/** remote_domain_get_vcpus_args. */
export const domainGetVcpusArgs = xdrStruct({ dom: remoteDomain, maxinfo: xdrInt, maplen: xdrInt });
/** remote_domain_get_vcpus_ret: cpumaps holds maxinfo * maplen bytes, one bitmap per vCPU. */
export const domainGetVcpusRet = xdrStruct({
  info: xdrArray(vcpuInfo, Limit.VCPUINFO_MAX),
  cpumaps: xdrVarOpaque(Limit.CPUMAPS_MAX),
});
/** remote_domain_get_vcpus_flags_ret. */
export const domainGetVcpusFlagsRet = xdrStruct({ num: xdrInt });
/** remote_domain_pin_vcpu_args. */
export const domainPinVcpuArgs = xdrStruct({
  dom: remoteDomain,
  vcpu: xdrUint,
  cpumap: xdrVarOpaque(Limit.CPUMAP_MAX),
});
/** remote_domain_pin_vcpu_flags_args. */
export const domainPinVcpuFlagsArgs = xdrStruct({
  dom: remoteDomain,
  vcpu: xdrUint,
  cpumap: xdrVarOpaque(Limit.CPUMAP_MAX),
  flags: xdrUint,
});
/** remote_domain_get_vcpu_pin_info_args. */
export const domainGetVcpuPinInfoArgs = xdrStruct({
  dom: remoteDomain,
  ncpumaps: xdrInt,
  maplen: xdrInt,
  flags: xdrUint,
});
/** remote_domain_get_vcpu_pin_info_ret: `num` bitmaps of maplen bytes each. */
export const domainGetVcpuPinInfoRet = xdrStruct({ cpumaps: xdrVarOpaque(Limit.CPUMAPS_MAX), num: xdrInt });

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
  const xml = await conn.domainGetXMLDesc(dom, flags & XmlFlags.INACTIVE);
  const m = /<vcpu\b([^>]*)>\s*(\d+)\s*<\/vcpu>/.exec(xml);
  if (!m) return (await conn.domainGetInfo(dom)).nrVirtCpu;
  const max = Number(m[2]);
  const current = /current=['"](\d+)['"]/.exec(m[1] ?? '');
  return flags & VcpuFlags.MAXIMUM || !current ? max : Number(current[1]);
}

/** A pin bitmap as wide as the host's CPUs, or wider when a CPU beyond them is named. */
async function buildPinMap(calls: { hostCpuCount(): Promise<number> }, cpus: number[]): Promise<Buffer> {
  const hostLen = cpuMapLength(await calls.hostCpuCount());
  return buildCpuMap(cpus, Math.max(hostLen, cpuMapLength(Math.max(0, ...cpus) + 1)));
}

/** DOMAIN_GET_VCPUS_FLAGS: a count from the XML; RemoteConnection sends it to size the pin info. */
const getVcpusFlags = served(P.DOMAIN_GET_VCPUS_FLAGS, {
  api: 'virDomainGetVcpusFlags',
  access: 'read',
  args: domFlagsArgs,
  ret: domainGetVcpusFlagsRet,
  serve: async (ctx, { dom, flags }) => ({ num: await countVcpus(ctx.conn, dom, flags) }),
});

/** vCPU procedures. */
export const domainVcpuEntries = [
  served(P.DOMAIN_GET_VCPUS, {
    api: 'virDomainGetVcpus',
    access: 'read',
    args: domainGetVcpusArgs,
    ret: domainGetVcpusRet,
    method: 'domainGetVcpus',
    serve: async (ctx, { dom, maxinfo, maplen }) => {
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
    // maxinfo = nrVirtCpu (DOMAIN_GET_INFO first) and one host-sized bitmap per vCPU.
    client: async (c, dom) => {
      const { nrVirtCpu } = await c.conn.domainGetInfo(dom);
      const maplen = cpuMapLength(await c.hostCpuCount());
      const r = await c.send({ dom, maxinfo: nrVirtCpu, maplen });
      const maps = splitCpuMaps(r.cpumaps, maplen, r.info.length);
      return r.info.map((v, i) => ({
        number: v.number,
        state: v.state,
        cpuTimeNs: v.cpu_time,
        cpu: v.cpu,
        affinity: maps[i] ?? [],
      }));
    },
    ws: wsRow('domain.getVcpus', 'domain', [], ['cpuTimeNs']),
  }),
  getVcpusFlags,
  served(P.DOMAIN_PIN_VCPU, {
    api: 'virDomainPinVcpu',
    access: 'write',
    args: domainPinVcpuArgs,
    ret: xdrVoid,
    method: 'domainPinVcpu',
    serve: async (ctx, { dom, vcpu, cpumap }) => ctx.conn.domainPinVcpu(dom, vcpu, parseCpuMap(cpumap)),
    client: async (c, dom, vcpu, cpus) => c.send({ dom, vcpu, cpumap: await buildPinMap(c, cpus) }),
    unlessGiven: 3, // flags
  }),
  served(P.DOMAIN_PIN_VCPU_FLAGS, {
    api: 'virDomainPinVcpuFlags',
    access: 'write',
    args: domainPinVcpuFlagsArgs,
    ret: xdrVoid,
    method: 'domainPinVcpu',
    serve: async (ctx, { dom, vcpu, cpumap, flags }) =>
      ctx.conn.domainPinVcpu(dom, vcpu, parseCpuMap(cpumap), flags),
    client: async (c, dom, vcpu, cpus, flags = 0) =>
      c.send({ dom, vcpu, cpumap: await buildPinMap(c, cpus), flags }),
    ws: wsRow('domain.pinVcpu', 'domain', [
      { name: 'vcpu', type: 'int' },
      { name: 'cpus', type: 'int[]' },
      flagsParam,
    ]),
  }),
  served(P.DOMAIN_GET_VCPU_PIN_INFO, {
    api: 'virDomainGetVcpuPinInfo',
    access: 'read',
    args: domainGetVcpuPinInfoArgs,
    ret: domainGetVcpuPinInfoRet,
    method: 'domainGetVcpuPinInfo',
    serve: async (ctx, { dom, ncpumaps, maplen, flags }) => {
      checkMapSize(ncpumaps, maplen, Limit.VCPUINFO_MAX, 'ncpumaps');
      const lists = await ctx.conn.domainGetVcpuPinInfo(dom, flags);
      const num = Math.min(lists.length, ncpumaps);
      return { cpumaps: packCpuMaps(lists, ncpumaps, maplen), num };
    },
    // DOMAIN_GET_VCPUS_FLAGS (maximum) for the count first.
    client: async (c, dom, flags = 0) => {
      const { num: ncpumaps } = await c.call(getVcpusFlags, { dom, flags: flags | VcpuFlags.MAXIMUM });
      const maplen = cpuMapLength(await c.hostCpuCount());
      const r = await c.send({ dom, ncpumaps, maplen, flags });
      return splitCpuMaps(r.cpumaps, maplen, r.num);
    },
    ws: wsRow('domain.getVcpuPinInfo', 'domain', [flagsParam]),
  }),
] as const;
