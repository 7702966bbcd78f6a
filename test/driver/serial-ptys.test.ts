import { describe, expect, it } from 'vitest';
import { findSerialPtys } from '../../src/driver/serial-ptys.js';
import { parseDomainXml } from '../../src/domain/index.js';
import { buildDomainXml } from '../domain/fixtures.js';

describe('findSerialPtys', () => {
  it("reads each pty serial's /dev/pts path from query-chardev by its chardev id, and nothing for other serials", () => {
    const def = parseDomainXml(
      buildDomainXml({
        devices:
          "<serial type='pty'><target port='0'/></serial>" +
          "<serial type='file'><source path='/var/log/com2'/><target port='1'/></serial>" +
          "<serial type='pty'><target port='2'/><alias name='ua-extra'/></serial>" +
          "<serial type='pty'><target port='3'/></serial>",
      }),
    );
    const chardevs = [
      { label: 'charmonitor', filename: 'unix:/r/monitor.sock,server=on', frontendOpen: true },
      { label: 'charserial0', filename: 'pty:/dev/pts/4', frontendOpen: true },
      { label: 'charserial1', filename: 'file', frontendOpen: true },
      { label: 'charua-extra', filename: 'pty:/dev/pts/9', frontendOpen: true },
      // A qemu of an older tsvirt served its pty serial on a socket: no pty to show.
      { label: 'charserial3', filename: 'disconnected:unix:/r/console.sock,server=on', frontendOpen: true },
    ];
    expect(findSerialPtys(def, chardevs)).toEqual(['/dev/pts/4', undefined, '/dev/pts/9', undefined]);
  });
});
