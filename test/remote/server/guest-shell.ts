/** Test helper: commands typed into the Linux test guest's shell over its serial console, with their output. */
import type { Duplex } from 'node:stream';
import type { Connection, DomainRef } from '../../../src/connection.js';
import { waitUntil } from '../../driver/helpers.js';

/** The guest's shell on one open console stream. */
export class GuestShell {
  private seen = '';
  private next = 1;

  private constructor(private readonly stream: Duplex) {
    stream.on('data', (chunk: Buffer) => (this.seen += chunk.toString('latin1')));
  }

  /** Opens the console of `dom` (taking it over from any other user). */
  static async open(conn: Connection, dom: DomainRef): Promise<GuestShell> {
    return new GuestShell(await conn.domainOpenConsole(dom, undefined, 1));
  }

  /**
   * Runs `cmd` and returns what it printed. The end marker is an arithmetic expansion, so that the echo
   * of the typed line never matches it.
   */
  async run(cmd: string, timeoutMs = 15_000): Promise<string> {
    const n = this.next++;
    const from = this.seen.length;
    const end = `@@${n * 7}@@`;
    this.stream.write(`${cmd}; echo @@$((${n}*7))@@\n`);
    await waitUntil(() => this.seen.indexOf(end, from) >= 0, timeoutMs, `'${cmd}' in the guest`);
    const out = this.seen.slice(from, this.seen.indexOf(end, from));
    const firstNewline = out.indexOf('\n');
    return firstNewline >= 0 ? out.slice(firstNewline + 1) : out;
  }

  /** Runs `cmd` until its output satisfies `ok`; returns the last output. */
  async waitFor(cmd: string, ok: (out: string) => boolean, timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const out = await this.run(cmd);
      if (ok(out)) return out;
      if (Date.now() > deadline) throw new Error(`guest: '${cmd}' still printed ${JSON.stringify(out)}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  }

  /** Closes the console stream. */
  close(): void {
    this.stream.destroy();
  }
}
