import { describe, expect, it } from 'vitest';
import { buildStatusXml, parseStatusXml, type DomainStatus } from '../../src/driver/status-file.js';

const status: DomainStatus = {
  state: 1,
  reason: 1,
  pid: 4242,
  startTicks: 987654,
  id: 7,
  startedAt: '2024-01-02T03:04:05.000Z',
  persistent: true,
  qmpSocket: "/var/lib/tsvirt/run/qemu/o'neil & co.qmp",
  diskPaths: ['/images/a.qcow2', '/dev/vg/<odd>'],
  domainXml: "<domain type='qemu'>\n  <name>x</name>\n</domain>",
};

describe('the run/qemu status document', () => {
  it('round-trips every runtime fact, with quotes and ampersands in paths', () => {
    const xml = buildStatusXml(status);
    expect(xml.startsWith("<domstatus state='1' reason='1' pid='4242' starttime='987654' id='7'")).toBe(true);
    expect(parseStatusXml(xml, 'x.xml')).toEqual({ ...status, blockJobs: [] });
  });

  it('round-trips a save under way and each disk block job, exactly as written', () => {
    const withJobs: DomainStatus = {
      ...status,
      pendingJob: { kind: 'save', target: "/saves/o'neil.save", committed: true },
      blockJobs: [
        {
          disk: 'vda',
          jobId: 'commit-vda',
          type: 4,
          leaving: ['libvirt-3-format', 'libvirt-2-format'],
          base: { path: '/images/base & co.qcow2', node: 'libvirt-1-format', format: 'qcow2' },
          aborting: true,
        },
        { disk: 'vdb', jobId: 'pull-vdb', type: 1, leaving: [] },
      ],
    };
    const xml = buildStatusXml(withJobs);
    expect(xml).toContain("  <pendingjob kind='save' target='/saves/o&apos;neil.save' committed='yes'/>\n");
    expect(xml).toContain("  <blockjob disk='vdb' id='pull-vdb' type='1' leaving='' aborting='no'/>\n");
    expect(parseStatusXml(xml, 'x.xml')).toEqual(withJobs);
  });

  it('round-trips an internal snapshot under way with its vmstate and disk nodes', () => {
    const pendingJob = {
      kind: 'snapshot' as const,
      tag: 's1',
      vmstate: 'libvirt-1-format',
      devices: ['libvirt-1-format', 'libvirt-2-format'],
    };
    const xml = buildStatusXml({ ...status, pendingJob });
    expect(parseStatusXml(xml, 'x.xml').pendingJob).toEqual(pendingJob);
  });

  it('rejects a job record it cannot read back, naming the element', () => {
    const xml = buildStatusXml(status).replace('<domain ', "<blockjob disk='vda' type='1'/>\n<domain ");
    expect(() => parseStatusXml(xml, 'x.xml')).toThrow(
      /x\.xml: <blockjob disk='vda' type='1'\/> lacks disk, id or type/,
    );
  });

  it('rejects text that is not a status document, naming the file and the remedy', () => {
    for (const text of [
      '',
      '<domain/>',
      "<domstatus state='x' reason='1'>\n<domain type='qemu'/>\n</domstatus>",
    ]) {
      expect(() => parseStatusXml(text, '/r/run/qemu/x.xml')).toThrow(
        expect.objectContaining({
          code: 'ERR_XML_PARSE',
          message: expect.stringMatching(
            /^\/r\/run\/qemu\/x\.xml: .*remove the file if the domain is not running$/,
          ),
        }),
      );
    }
  });
});
