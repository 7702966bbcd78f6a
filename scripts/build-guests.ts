/**
 * Builds the test guests into .cache/guests (see scripts/guests/paths.ts), reusing what is current.
 * Run by scripts/setup.sh as `node dist/scripts/build-guests.js`.
 */
import { ensureGuests, GUEST_CACHE_DIR } from './guests/paths.js';

try {
  const paths = await ensureGuests({ log: (line) => console.log(`build-guests: ${line}`) });
  console.log(`build-guests: ready in ${GUEST_CACHE_DIR}`);
  for (const [name, path] of Object.entries(paths)) console.log(`  ${name}: ${path}`);
} catch (err) {
  console.error(`build-guests: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}
