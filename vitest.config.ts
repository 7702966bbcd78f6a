import { defineConfig } from 'vitest/config';

/**
 * Test files that live-migrate a TCG guest while a writer dirties its memory. qemu 7.2's TCG can lose
 * pages such a guest dirties while the host's cores are oversubscribed, and the guest's kernel then
 * breaks at the destination (README, "Live migration of TCG guests"). `npm test` therefore runs the
 * suite without them (TSVIRT_TEST_PHASE=main), then them alone, one at a time
 * (vitest.quiet.config.ts). A plain `vitest run` runs everything at once.
 */
export const BUSY_GUEST_MIGRATIONS = [
  'test/remote/server/virsh-migrate.test.ts',
  'test/remote/server/virsh-migrate-tunnel.test.ts',
  'test/remote/server/virsh-migrate-postcopy.test.ts',
];

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: [
      '**/node_modules/**',
      ...(process.env['TSVIRT_TEST_PHASE'] === 'main' ? BUSY_GUEST_MIGRATIONS : []),
    ],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
