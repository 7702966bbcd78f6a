/**
 * Test helper: a network namespace of the test's own (`ip netns add`), so that bridges made by the
 * network driver never touch the host's network; removed at the end with everything in it.
 */
import { randomBytes } from 'node:crypto';
import { run } from '../../src/exec/index.js';

/** Why namespaces cannot be used here, or undefined when they can. */
export async function probeNetnsProblem(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'not root';
  const name = `tsvirt-probe-${randomBytes(3).toString('hex')}`;
  try {
    await run(['ip', 'netns', 'add', name], { timeoutMs: 10_000 });
    await run(['ip', 'netns', 'del', name], { timeoutMs: 10_000 });
    return undefined;
  } catch (err) {
    return `ip netns add fails: ${(err as Error).message}`;
  }
}

/** A named network namespace; `remove()` deletes it with the links inside. */
export interface TestNetns {
  name: string;
  /** Runs `ip ARGS` inside the namespace and returns stdout. */
  ip(args: readonly string[]): Promise<string>;
  remove(): Promise<void>;
}

/** Creates a fresh namespace with a unique name. */
export async function createNetns(): Promise<TestNetns> {
  const name = `tsvirt-test-${randomBytes(4).toString('hex')}`;
  await run(['ip', 'netns', 'add', name], { timeoutMs: 10_000 });
  return {
    name,
    ip: async (args) => (await run(['ip', '-n', name, ...args], { timeoutMs: 10_000 })).stdout,
    remove: async () => {
      await run(['ip', 'netns', 'del', name], { timeoutMs: 10_000 });
    },
  };
}
