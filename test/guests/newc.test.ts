import { describe, expect, it } from 'vitest';
import { run } from '../../src/exec/index.js';
import { encodeNewcArchive } from '../../scripts/guests/newc.js';

describe('encodeNewcArchive', () => {
  it('writes a header of magic 070701 and 13 hex fields, the name padded to 4 bytes', () => {
    const archive = encodeNewcArchive([{ kind: 'file', path: 'ab', data: Buffer.from('xyz'), mode: 0o755 }]);
    const head = archive.toString('latin1', 0, 110);
    expect(head.slice(0, 6)).toBe('070701');
    expect(head.slice(6, 14)).toBe('00000001'); // ino
    expect(head.slice(14, 22)).toBe('000081ed'); // S_IFREG | 0755
    expect(head.slice(54, 62)).toBe('00000003'); // filesize
    expect(head.slice(94, 102)).toBe('00000003'); // namesize: "ab" and NUL
    expect(archive.toString('latin1', 110, 113)).toBe('ab\0');
    expect(archive.toString('latin1', 116, 119)).toBe('xyz'); // 110 + 3 padded to 116
    expect(archive.length % 4).toBe(0);
    expect(archive.toString('latin1')).toContain('TRAILER!!!\0');
  });

  it('is read back by cpio(1) with every kind of member', async () => {
    const archive = encodeNewcArchive([
      { kind: 'dir', path: 'bin' },
      { kind: 'file', path: 'bin/tool', data: Buffer.from('#!/bin/sh\n'), mode: 0o755 },
      { kind: 'symlink', path: 'bin/sh', target: '/bin/busybox' },
      { kind: 'chardev', path: 'console', major: 5, minor: 1 },
    ]);
    const { stdout } = await run(['cpio', '-itv', '--quiet'], { input: archive, timeoutMs: 10_000 });
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^drwxr-xr-x .* bin$/);
    expect(lines[1]).toMatch(/^-rwxr-xr-x .* 10 .* bin\/tool$/);
    expect(lines[2]).toMatch(/^lrwxrwxrwx .* bin\/sh -> \/bin\/busybox$/);
    expect(lines[3]).toMatch(/^crw------- .* 5,\s+1 .* console$/);
  });

  it('rejects an absolute member path', () => {
    expect(() => encodeNewcArchive([{ kind: 'dir', path: '/etc' }])).toThrow(/must be relative/);
  });
});
