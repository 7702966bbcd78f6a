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
    expect(parseStatusXml(xml, 'x.xml')).toEqual(status);
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
