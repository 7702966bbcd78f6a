/**
 * Real virsh against the server: `dump --memory-only` of the Linux guest (TCG) writes an ELF core whose
 * PT_LOAD segments cover the guest's 256 MiB of RAM and hold what the guest has in memory; the guest
 * runs on after it, and `--crash` leaves it shut off (crashed).
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findQemuBinary } from '../../../src/kvm/index.js';
import { isAlive, waitForText } from '../../driver/helpers.js';
import type { TestServer } from './server-fixture.js';
import { startShellGuestServer, stopGuestServer } from './guest-server.js';
import { VIRSH, virsh, type VirshResult } from './virsh-harness.js';
import { typeLine as typeInto } from './counter-guest.js';

const hasQemu = findQemuBinary() !== undefined;
if (!VIRSH || !hasQemu) console.warn('skipping virsh dump tests: virsh or qemu-system-x86_64 is absent');

/** The guest's RAM in the domain XML buildLinuxXml writes. */
const RAM_BYTES = 256 * 1024 * 1024;

/** One program header of a 64-bit little-endian ELF file. */
interface ProgramHeader {
  type: number;
  offset: number;
  paddr: number;
  fileSize: number;
}

/** The ELF header fields a core is checked by, and its program headers. */
function parseElfCore(buf: Buffer): {
  cls: number;
  data: number;
  type: number;
  machine: number;
  phdrs: ProgramHeader[];
} {
  const phoff = Number(buf.readBigUInt64LE(0x20));
  const phentsize = buf.readUInt16LE(0x36);
  const phnum = buf.readUInt16LE(0x38);
  const phdrs: ProgramHeader[] = [];
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    phdrs.push({
      type: buf.readUInt32LE(at),
      offset: Number(buf.readBigUInt64LE(at + 8)),
      paddr: Number(buf.readBigUInt64LE(at + 24)),
      fileSize: Number(buf.readBigUInt64LE(at + 32)),
    });
  }
  return {
    cls: buf[4] as number,
    data: buf[5] as number,
    type: buf.readUInt16LE(16),
    machine: buf.readUInt16LE(18),
    phdrs,
  };
}

describe.skipIf(!VIRSH || !hasQemu)('virsh dump --memory-only (Linux guest, TCG)', () => {
  let srv: TestServer;
  let serialLog = '';
  const pids: number[] = [];
  const v = (...args: string[]): Promise<VirshResult> => virsh(srv.unixUri, args, { timeoutMs: 120_000 });

  beforeAll(async () => {
    ({ srv, serialLog } = await startShellGuestServer('dm', { pids }));
  }, 150_000);
  afterAll(() => stopGuestServer(srv, 'dm', pids), 30_000);

  /** Type a line into the guest's shell and wait for its echo. */
  const typeLine = (line: string): Promise<void> => typeInto(srv.conn, 'dm', serialLog, line);

  it('writes an ELF core whose PT_LOAD segments cover the guest RAM and hold its data', async () => {
    // The marker exists only once the guest's shell has computed it, so finding it means guest memory.
    await typeLine('M=tsvirt-dump-marker-$((6*7)); echo $M$M > /marker; echo made-$((40+3))\n');
    await waitForText(serialLog, 'made-43', 30_000);
    const file = join(srv.root, 'dm.core');
    const r = await v('dump', '--memory-only', 'dm', file);
    expect(r).toEqual({ code: 0, stdout: `\nDomain 'dm' dumped to ${file}\n\n`, stderr: '' });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const core = await readFile(file);
    expect(core.subarray(0, 4)).toEqual(Buffer.from([0x7f, 0x45, 0x4c, 0x46])); // \x7fELF
    const elf = parseElfCore(core);
    expect({ cls: elf.cls, data: elf.data, type: elf.type, machine: elf.machine }).toEqual({
      cls: 2, // ELFCLASS64
      data: 1, // ELFDATA2LSB
      type: 4, // ET_CORE
      machine: 62, // EM_X86_64
    });
    const loads = elf.phdrs.filter((p) => p.type === 1); // PT_LOAD
    expect(elf.phdrs.some((p) => p.type === 4)).toBe(true); // PT_NOTE: the vCPUs' registers
    // Below 4 GiB: the guest's RAM; above it only the 256 KiB BIOS image that qemu maps under 4 GiB.
    const ram = loads.filter((p) => p.paddr < RAM_BYTES);
    const loaded = ram.reduce((n, p) => n + p.fileSize, 0);
    // All of RAM but the legacy VGA and ROM window below 1 MiB.
    expect(loaded).toBeGreaterThan(RAM_BYTES - 1024 * 1024);
    expect(loaded).toBeLessThanOrEqual(RAM_BYTES);
    expect(Math.max(...ram.map((p) => p.paddr + p.fileSize))).toBe(RAM_BYTES);
    expect(loads.filter((p) => p.paddr >= RAM_BYTES).map((p) => [p.paddr, p.fileSize])).toEqual([
      [0xfffc0000, 0x40000],
    ]);
    for (const p of loads) expect(p.offset + p.fileSize).toBeLessThanOrEqual(core.length);
    expect(core.indexOf('tsvirt-dump-marker-42tsvirt-dump-marker-42')).toBeGreaterThan(0);
    // The vCPUs were paused for the dump and run again after it.
    expect(await v('domstate', '--reason', 'dm')).toEqual({
      code: 0,
      stdout: 'running (unpaused)\n\n',
      stderr: '',
    });
  }, 180_000);

  it('refuses a dump without --memory-only, saying what to use, and leaves no file', async () => {
    const file = join(srv.root, 'dm.full');
    const r = await v('dump', 'dm', file);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('use --memory-only');
    await expect(stat(file)).rejects.toThrow(/ENOENT/);
  }, 60_000);

  it('with --crash, leaves the guest shut off (crashed) after the dump', async () => {
    const file = join(srv.root, 'dm.crash.core');
    const r = await v('dump', '--memory-only', '--crash', 'dm', file);
    expect(r.code).toBe(0);
    expect((await stat(file)).size).toBeGreaterThan(RAM_BYTES - 1024 * 1024);
    expect(await v('domstate', '--reason', 'dm')).toEqual({
      code: 0,
      stdout: 'shut off (crashed)\n\n',
      stderr: '',
    });
    expect(isAlive(pids[0] as number)).toBe(false);
  }, 180_000);
});
