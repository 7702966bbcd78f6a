/** Pure builders and parsers of the host procedures: qemu's QMP replies, domcapabilities, host CPU model, /proc, SMBIOS. */
import { describe, expect, it } from 'vitest';
import { buildMachineNodes } from '../../src/embedded/capabilities.js';
import {
  answerDomainCapabilities,
  type DomainCapsHost,
} from '../../src/embedded/domain-capabilities-query.js';
import { parseCpuSignature, pickHostCpuModel } from '../../src/embedded/host-cpu-model.js';
import {
  buildMemoryStats,
  parseCpuList,
  parseCpuStats,
  parseMeminfoKiB,
} from '../../src/embedded/node-stats.js';
import { listNamedCpuModels, parseQemuCapsOutput } from '../../src/kvm/qemu-caps-parse.js';
import { buildSysinfoXml } from '../../src/embedded/sysinfo.js';
import { renderXml } from '../../src/domain/xml-writer.js';

const QMP_OUTPUT = [
  '{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}}, "capabilities": ["oob"]}}',
  '{"return": {}}',
  '{"return": [{"name": "pc-q35-7.2", "cpu-max": 288, "deprecated": false, "alias": "q35"}, {"name": "pc-i440fx-7.2", "is-default": true, "cpu-max": 255, "deprecated": false, "alias": "pc"}, {"name": "pc-i440fx-1.5", "cpu-max": 255, "deprecated": true}, {"name": "microvm", "cpu-max": 288, "deprecated": false}], "id": "machines"}',
  '{"return": [{"name": "max", "unavailable-features": []}, {"name": "qemu64", "unavailable-features": []}, {"name": "EPYC-Rome", "unavailable-features": ["sha-ni"]}, {"name": "EPYC-Rome-v2", "unavailable-features": ["sha-ni"]}], "id": "cpus"}',
  '{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "SHUTDOWN", "data": {"guest": false, "reason": "host-qmp-quit"}}',
  '{"return": {}}',
].join('\n');

const caps = parseQemuCapsOutput(QMP_OUTPUT);

const host: DomainCapsHost = {
  qemuBinary: '/usr/bin/qemu-system-x86_64',
  kvmUsable: false,
  kvmReason: '/dev/kvm is missing',
  cpuHostWorks: undefined,
  hostCpuModel: 'qemu64',
  caps,
  firmwareImages: [],
};

describe('qemu capabilities probe output', () => {
  it('reads machines with aliases, limits and the default, and CPU models usable under TCG', () => {
    expect(caps.machines[1]).toEqual({
      name: 'pc-i440fx-7.2',
      alias: 'pc',
      maxCpus: 255,
      deprecated: false,
      isDefault: true,
    });
    expect(caps.machines[2]?.deprecated).toBe(true);
    expect(listNamedCpuModels(caps)).toEqual([
      { name: 'qemu64', usable: true, deprecated: false },
      { name: 'EPYC-Rome', usable: false, deprecated: false },
    ]);
  });

  it('fails with the replies it lacks when qemu died before answering', () => {
    expect(() => parseQemuCapsOutput('{"QMP": {}}\n')).toThrow(/no reply to query-machines/);
  });
});

describe('domain capabilities', () => {
  it("answers qemu's default machine by its canonical name, TCG when KVM is not usable", () => {
    const xml = answerDomainCapabilities({}, host);
    expect(xml).toContain('<domain>qemu</domain>\n  <machine>pc-i440fx-7.2</machine>');
    expect(xml).toContain("<model usable='no' vendor='AMD'>EPYC-Rome</model>");
    expect(xml).toContain("<mode name='host-model' supported='no'/>");
    expect(xml).toContain("<loader supported='no'/>");
  });

  it('resolves q35 to its canonical machine with its vCPU limit and no IDE bus', () => {
    const xml = answerDomainCapabilities({ machine: 'q35', virttype: 'qemu' }, host);
    expect(xml).toContain("<machine>pc-q35-7.2</machine>\n  <arch>x86_64</arch>\n  <vcpu max='288'/>");
    expect(xml).toContain("<enum name='bus'>\n        <value>sata</value>\n        <value>virtio</value>");
  });

  it('offers host-passthrough and host-model under KVM where -cpu host starts', () => {
    const xml = answerDomainCapabilities(
      { virttype: 'kvm' },
      { ...host, kvmUsable: true, cpuHostWorks: true, hostCpuModel: 'EPYC-Rome' },
    );
    expect(xml).toContain("<mode name='host-passthrough' supported='yes'>");
    expect(xml).toContain("<model fallback='forbid'>EPYC-Rome</model>\n      <vendor>AMD</vendor>");
  });

  it('refuses kvm without KVM, a machine qemu lacks, and other arches, naming the value', () => {
    expect(() => answerDomainCapabilities({ virttype: 'kvm' }, host)).toThrow(
      /KVM is not supported by '\/usr\/bin\/qemu-system-x86_64' on this host: \/dev\/kvm is missing/,
    );
    expect(() => answerDomainCapabilities({ machine: 'microvm' }, host)).toThrow(
      "the machine 'microvm' is not supported",
    );
    expect(() => answerDomainCapabilities({ machine: 'pc-q35-1.0' }, host)).toThrow(
      "the machine 'pc-q35-1.0' is not supported",
    );
    expect(() => answerDomainCapabilities({ arch: 'sparc64' }, host)).toThrow(
      "unable to find any emulator to serve 'sparc64' architecture",
    );
    expect(() => answerDomainCapabilities({ arch: 'z80' }, host)).toThrow("unknown architecture: 'z80'");
    expect(() => answerDomainCapabilities({ virttype: 'xen' }, host)).toThrow('unknown virttype: xen');
  });
});

describe('host CPU model', () => {
  const zen2 =
    'processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 23\nmodel\t\t: 49\nstepping\t: 0\n\nprocessor\t: 1\n';
  it('is the model of the host signature when qemu has it and it is usable', () => {
    expect(parseCpuSignature(zen2)).toEqual({ vendor: 'AuthenticAMD', family: 23, model: 49, stepping: 0 });
    expect(
      pickHostCpuModel(
        parseCpuSignature(zen2),
        [{ name: 'EPYC-Rome', usable: true, deprecated: false }],
        true,
      ),
    ).toBe('EPYC-Rome');
  });

  it('falls back to kvm64 under KVM and qemu64 under TCG, never the free-form model name', () => {
    const zen5 = parseCpuSignature(
      'vendor_id\t: AuthenticAMD\ncpu family\t: 26\nmodel\t\t: 2\nmodel name\t: AMD EPYC\n',
    );
    expect(pickHostCpuModel(zen5, caps.cpuModels, true)).toBe('kvm64');
    expect(pickHostCpuModel(parseCpuSignature(zen2), caps.cpuModels, false)).toBe('qemu64');
  });
});

describe('capabilities machines', () => {
  it('lists the default first, each alias after its canonical machine, deprecated ones marked', () => {
    const xml = buildMachineNodes(caps.machines.slice(0, 3))
      .map((n) => renderXml(n))
      .join('');
    expect(xml).toBe(
      "<machine maxCpus='255'>pc-i440fx-7.2</machine>\n<machine canonical='pc-i440fx-7.2' maxCpus='255'>pc</machine>\n" +
        "<machine maxCpus='288'>pc-q35-7.2</machine>\n<machine canonical='pc-q35-7.2' maxCpus='288'>q35</machine>\n" +
        "<machine maxCpus='255' deprecated='yes'>pc-i440fx-1.5</machine>\n",
    );
  });
});

describe('node statistics', () => {
  const stat =
    'cpu  698385 1049 211770 3954522 2863 0 12068 563 1 0\ncpu0 346362 555 103745 1982793 832 0 5419 276 0 0\nintr 1\n';
  it("turns /proc/stat ticks into libvirt's kernel, user, idle and iowait in ns", () => {
    expect(parseCpuStats(stat, -1)).toEqual([
      { field: 'kernel', value: (211770n + 0n + 12068n) * 10_000_000n },
      { field: 'user', value: (698385n + 1049n) * 10_000_000n },
      { field: 'idle', value: 3954522n * 10_000_000n },
      { field: 'iowait', value: 2863n * 10_000_000n },
    ]);
    expect(parseCpuStats(stat, 0)?.[2]).toEqual({ field: 'idle', value: 1982793n * 10_000_000n });
    expect(parseCpuStats(stat, 1)).toBeUndefined();
  });

  it('reads meminfo of the host and of a NUMA node', () => {
    const host = parseMeminfoKiB(
      'MemTotal:       24683772 kB\nMemFree:        23150348 kB\nBuffers:           26648 kB\nCached:           348848 kB\n',
    );
    expect(buildMemoryStats(host, true)).toEqual([
      { field: 'total', value: 24683772n },
      { field: 'free', value: 23150348n },
      { field: 'buffers', value: 26648n },
      { field: 'cached', value: 348848n },
    ]);
    const node = parseMeminfoKiB('Node 0 MemTotal:       24683772 kB\nNode 0 MemFree:        23150000 kB\n');
    expect(buildMemoryStats(node, false)).toEqual([
      { field: 'total', value: 24683772n },
      { field: 'free', value: 23150000n },
    ]);
  });
});

describe('NUMA cells', () => {
  it("reads the kernel's CPU list ranges", () => {
    expect(parseCpuList('0-3,8,10-11\n')).toEqual([0, 1, 2, 3, 8, 10, 11]);
    expect(parseCpuList('\n')).toEqual([]);
  });
});

describe('sysinfo', () => {
  it("writes the SMBIOS blocks in libvirt's entry names, leaving out empty values and blocks", () => {
    const xml = buildSysinfoXml(
      new Map([
        ['bios_vendor', 'SeaBIOS\n'],
        ['sys_vendor', 'QEMU\n'],
        ['product_name', '\n'],
      ]),
    );
    expect(xml).toBe(
      "<sysinfo type='smbios'>\n  <bios>\n    <entry name='vendor'>SeaBIOS</entry>\n  </bios>\n  <system>\n    <entry name='manufacturer'>QEMU</entry>\n  </system>\n</sysinfo>\n",
    );
  });
});
