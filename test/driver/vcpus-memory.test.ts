import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryStatTag } from '../../src/driver/index.js';
import { buildBootSectorXml, readPidFile, waitUntil, buildLinuxXml } from './helpers.js';
import { useDriverHarness } from './harness.js';

const KVM_SKIP_REASON = existsSync('/dev/kvm') ? '' : 'no /dev/kvm on this host';
if (KVM_SKIP_REASON) console.warn(`skipping the KVM vCPU thread test: ${KVM_SKIP_REASON}`);

function cpusAllowed(pid: number, tid: number): string {
  const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
  return /^Cpus_allowed_list:\s+(\S+)$/m.exec(status)?.[1] ?? '';
}

describe('vCPUs and memory of a running domain', () => {
  const h = useDriverHarness();

  async function start(name: string, opts: { vcpus?: number; type?: 'qemu' | 'kvm' } = {}) {
    const driver = await h.setup();
    const dom = await driver.domainDefineXML(buildBootSectorXml(name, h.image, opts));
    const started = await driver.domainCreate(dom);
    const pid = readPidFile(h.root, name);
    h.pids.push(pid);
    return { driver, dom: started, pid };
  }

  it('lists vCPUs whose thread ids are threads of the qemu process, with CPU time and affinity', async () => {
    const { driver, dom, pid } = await start('cpus', { vcpus: 2 });
    const vcpus = await driver.domainGetVcpus(dom);
    expect(vcpus.map((v) => v.number)).toEqual([0, 1]);
    for (const v of vcpus) {
      expect(v.threadId).not.toBe(pid);
      expect(existsSync(`/proc/${pid}/task/${v.threadId}`)).toBe(true);
      expect(v.state).toBe(1);
      expect(v.cpu).toBeGreaterThanOrEqual(0);
      expect(typeof v.cpuTimeNs).toBe('bigint');
      expect(v.affinity.length).toBeGreaterThan(0);
      expect(readFileSync(`/proc/${pid}/task/${v.threadId}/comm`, 'utf8').trim()).toBe(`CPU ${v.number}/TCG`);
    }
    await driver.domainDestroy(dom);
  });

  it('pins a vCPU live with sched_setaffinity, seen in /proc, and in the config with vcpupin', async () => {
    const { driver, dom, pid } = await start('pin', { vcpus: 2 });
    const [, second] = await driver.domainGetVcpus(dom);
    const tid = second?.threadId as number;
    await driver.domainPinVcpu(dom, 1, [0], 1);
    expect(cpusAllowed(pid, tid)).toBe('0');
    expect((await driver.domainGetVcpus(dom))[1]?.affinity).toEqual([0]);
    expect((await driver.domainGetVcpuPinInfo(dom, 1))[1]).toEqual([0]);
    expect(await driver.domainGetXMLDesc(dom)).toContain("<vcpupin vcpu='1' cpuset='0'/>");
    await driver.domainPinVcpu(dom, 0, [1], 2);
    expect(readFileSync(join(h.root, 'etc', 'qemu', 'pin.xml'), 'utf8')).toContain(
      "<vcpupin vcpu='0' cpuset='1'/>",
    );
    expect((await driver.domainGetVcpuPinInfo(dom, 2))[0]).toEqual([1]);
    await expect(driver.domainPinVcpu(dom, 5, [0], 1)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
    await expect(driver.domainPinVcpu(dom, 0, [999], 1)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
    await driver.domainDestroy(dom);
    await expect(driver.domainGetVcpus(dom)).rejects.toMatchObject({
      message: 'Requested operation is not valid: domain is not running',
    });
  });

  it('sets memory through the balloon, refuses more than the maximum, and reports balloon and rss', async () => {
    const { driver, dom, pid } = await start('mem');
    const info = await driver.domainGetInfo(dom);
    expect(info.maxMemKiB).toBe(65536n);
    expect(info.nrVirtCpu).toBe(1);
    await driver.domainSetMemory(dom, 49152n, 1);
    // Without a guest balloon driver qemu keeps the actual size; the target is in the live XML.
    expect(await driver.domainGetXMLDesc(dom)).toContain("<currentMemory unit='KiB'>49152</currentMemory>");
    await expect(driver.domainSetMemory(dom, 131072n, 1)).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG',
      message: expect.stringMatching(/^cannot set memory higher than max memory/),
    });
    await driver.domainSetMemory(dom, 32768n, 2);
    expect(readFileSync(join(h.root, 'etc', 'qemu', 'mem.xml'), 'utf8')).toContain('32768');
    const stats = await driver.domainMemoryStats(dom);
    const byTag = new Map(stats.map((s) => [s.tag, s.val]));
    expect(byTag.get(MemoryStatTag.ACTUAL_BALLOON)).toBe(65536n);
    const rss = byTag.get(MemoryStatTag.RSS) as bigint;
    const procRss = Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    expect(Math.abs(Number(rss) - procRss)).toBeLessThan(procRss / 4);
    await driver.domainDestroy(dom);
  });

  it('sets the balloon to <currentMemory> at start, and a guest with a balloon driver gives the memory back', async () => {
    const driver = await h.setup();
    const xml = buildLinuxXml('balloon', h.guests).replace(
      "<memory unit='MiB'>256</memory>",
      "<memory unit='MiB'>256</memory>\n  <currentMemory unit='MiB'>192</currentMemory>",
    );
    const dom = await driver.domainCreate(await driver.domainDefineXML(xml));
    h.pids.push(readPidFile(h.root, 'balloon'));
    const actual = async (): Promise<bigint | undefined> =>
      new Map((await driver.domainMemoryStats(dom)).map((s) => [s.tag, s.val])).get(
        MemoryStatTag.ACTUAL_BALLOON,
      );
    // The guest's virtio_balloon module inflates the balloon once it loads, a few seconds into boot.
    await waitUntil(async () => (await actual()) === 192n * 1024n, 30_000, 'the balloon at 192 MiB');
    expect((await driver.domainGetInfo(dom)).memoryKiB).toBe(192n * 1024n);
    await driver.domainDestroy(dom);
  }, 60_000);

  it.skipIf(KVM_SKIP_REASON !== '')(
    'names vCPU threads "CPU n/KVM" under type kvm',
    async () => {
      const { driver, dom, pid } = await start('kvm', { type: 'kvm' });
      const [vcpu] = await driver.domainGetVcpus(dom);
      const name = readFileSync(`/proc/${pid}/task/${vcpu?.threadId}/comm`, 'utf8').trim();
      expect(name).toBe('CPU 0/KVM');
      await waitUntil(async () => (await driver.domainGetInfo(dom)).cpuTimeNs > 0n, 10_000, 'CPU time');
      await driver.domainDestroy(dom);
    },
    60_000,
  );
});
