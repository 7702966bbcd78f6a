/** The test namespace helper leaves nothing: removing a namespace ends the processes still inside it. */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/exec/index.js';
import { isAlive, waitUntil } from '../driver/helpers.js';
import { createNetns, probeNetnsProblem } from './netns.js';

const problem = await probeNetnsProblem();
if (problem) console.warn(`skipping the namespace helper test: ${problem}`);

describe.skipIf(problem !== undefined)('test namespaces', () => {
  it('kill what a test left running inside before they go', async () => {
    const ns = await createNetns();
    // A stand-in for a dnsmasq that a failed test left: a detached process inside the namespace.
    const child = spawn('ip', ['netns', 'exec', ns.name, 'sleep', '300'], {
      detached: true,
      stdio: 'ignore',
    });
    child.unref();
    const pid = child.pid as number;
    const inside = async (): Promise<boolean> =>
      (await run(['ip', 'netns', 'pids', ns.name])).stdout.split('\n').includes(String(pid));
    await waitUntil(inside, 5_000, 'the process inside the namespace');
    expect(await ns.remove()).toEqual([pid]);
    expect(isAlive(pid)).toBe(false);
  });
});
