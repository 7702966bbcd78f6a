/** The hooks and state that every describe block of driver tests shares (vitest only; fixtures use helpers.ts). */
import { afterEach, beforeAll, expect } from 'vitest';
import type { QemuDriver, QemuDriverOptions } from '../../src/driver/index.js';
import { ensureGuests, type GuestPaths } from '../../scripts/guests/paths.js';
import { cleanupRoot, isAlive, killAll, makeRoot, openDriver, waitUntil } from './helpers.js';

/** The state of one describe block's driver tests, kept by the hooks that useDriverHarness registers. */
export interface DriverHarness {
  /** The test guests, built once by beforeAll. */
  readonly guests: GuestPaths;
  /** The current test's temp root ('' before newRoot). */
  root: string;
  /** The private copy of the boot-sector image in `root`. */
  image: string;
  /** Drivers that afterEach closes. */
  readonly drivers: QemuDriver[];
  /** Pids that must be gone after each test. */
  readonly pids: number[];
  /** A fresh temp root with a copy of the boot-sector image; becomes `root` and `image`. */
  newRoot(): Promise<void>;
  /** newRoot, then a driver on it (log lines into `lines`), tracked in `drivers`. */
  setup(lines?: string[], extra?: Partial<QemuDriverOptions>): Promise<QemuDriver>;
}

/**
 * Registers the hooks of a describe block of driver tests: beforeAll builds the guests; afterEach removes
 * the root and expects that nothing was left running under it and that every tracked pid is gone.
 * `killTracked` SIGKILLs the tracked pids first, for tests whose helpers do not run under the root.
 */
export function useDriverHarness(opts: { killTracked?: boolean } = {}): DriverHarness {
  let guests: GuestPaths | undefined;
  const h: DriverHarness = {
    get guests(): GuestPaths {
      if (!guests) throw new Error('the driver harness has no guests before beforeAll');
      return guests;
    },
    root: '',
    image: '',
    drivers: [],
    pids: [],
    async newRoot() {
      ({ root: h.root, image: h.image } = await makeRoot(h.guests.bootSectorImage));
    },
    async setup(lines = [], extra = {}) {
      await h.newRoot();
      const driver = await openDriver(h.root, lines, extra);
      h.drivers.push(driver);
      return driver;
    },
  };
  beforeAll(async () => {
    guests = await ensureGuests();
  }, 600_000);
  afterEach(async () => {
    const tracked = h.pids.splice(0);
    if (opts.killTracked) {
      killAll(tracked);
      // Gone before the root is searched, or a slow exit would count as left behind.
      await waitUntil(() => tracked.every((p) => !isAlive(p)), 5_000, 'tracked pids to exit');
    }
    // '' would match every process on the machine: nothing to clean before the first root.
    const left = h.root ? await cleanupRoot(h.root, h.drivers) : [];
    expect(left).toEqual([]);
    for (const pid of tracked) expect(isAlive(pid)).toBe(false);
  });
  return h;
}
