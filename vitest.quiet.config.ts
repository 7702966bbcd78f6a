import { defineConfig } from 'vitest/config';
import base, { BUSY_GUEST_MIGRATIONS } from './vitest.config.js';

/** The second phase of `npm test`: the busy-guest migration files alone, one file at a time. */
export default defineConfig({
  test: {
    ...base.test,
    include: BUSY_GUEST_MIGRATIONS,
    exclude: ['**/node_modules/**'],
    fileParallelism: false,
  },
});
