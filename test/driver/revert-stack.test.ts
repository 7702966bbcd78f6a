import { describe, expect, it } from 'vitest';
import { RevertStack } from '../../src/driver/revert-stack.js';
import {
  prepareResources,
  reclaimResources,
  releaseResources,
  type GuestResourceProvider,
} from '../../src/driver/guest-resources.js';
import type { DomainConfig } from '../../src/domain/index.js';

describe('RevertStack', () => {
  it('undoes the steps newest first, goes on past a step that fails, and names it', async () => {
    const log: string[] = [];
    const done: string[] = [];
    const stack = new RevertStack((line) => log.push(line));
    stack.push('files', () => void done.push('files'));
    stack.push('port', () => {
      throw new Error('port held');
    });
    stack.push('qemu', async () => {
      await Promise.resolve();
      done.push('qemu');
    });
    expect(await stack.unwind()).toEqual(['port']);
    expect(done).toEqual(['qemu', 'files']);
    expect(log).toEqual(['cannot undo port: port held']);
    expect(stack.size).toBe(0);
    expect(await stack.unwind()).toEqual([]);
  });

  it('run keeps the steps of a set-up that succeeds and undoes those of one that fails', async () => {
    const done: string[] = [];
    const ok = new RevertStack(() => undefined);
    expect(
      await ok.run(async (s) => {
        s.push('a', () => void done.push('a'));
        return 7;
      }),
    ).toBe(7);
    expect(ok.size).toBe(0);
    expect(done).toEqual([]);
    const failing = new RevertStack(() => undefined);
    const err = await failing
      .run(async (s) => {
        s.push('a', () => void done.push('a'));
        s.push('b', () => void done.push('b'));
        throw new Error('spawn failed');
      })
      .catch((e: unknown) => e);
    expect((err as Error).message).toBe('spawn failed');
    expect(done).toEqual(['b', 'a']);
  });
});

describe('guest resource providers', () => {
  const def = { name: 'g1' } as DomainConfig;

  function provider(name: string, trail: string[], fail?: 'release' | 'reclaim'): GuestResourceProvider {
    return {
      name,
      async prepare(_def, revert) {
        trail.push(`${name}.prepare`);
        revert.push(`${name} port`, () => void trail.push(`${name}.undo`));
      },
      async release() {
        if (fail === 'release') throw new Error('gone');
        trail.push(`${name}.release`);
      },
      async reclaim() {
        if (fail === 'reclaim') throw new Error('unknown port');
        trail.push(`${name}.reclaim`);
      },
    };
  }

  it('prepares in order, and a failing later step undoes what each took, newest first', async () => {
    const trail: string[] = [];
    const stack = new RevertStack(() => undefined);
    await expect(
      stack.run(async (s) => {
        await prepareResources([provider('storage', trail), provider('network', trail)], def, s);
        throw new Error('qemu did not start');
      }),
    ).rejects.toThrow('qemu did not start');
    expect(trail).toEqual(['storage.prepare', 'network.prepare', 'network.undo', 'storage.undo']);
  });

  it('releases newest provider first and reclaims in order, logging a provider that fails', async () => {
    const trail: string[] = [];
    const log: string[] = [];
    const providers = [provider('storage', trail, 'reclaim'), provider('network', trail, 'release')];
    await releaseResources(providers, def, (l) => log.push(l));
    await reclaimResources(providers, def, (l) => log.push(l));
    expect(trail).toEqual(['storage.release', 'network.reclaim']);
    expect(log).toEqual([
      "domain 'g1': network could not take back its resources: gone",
      "domain 'g1': storage could not claim its resources again: unknown port",
    ]);
  });
});
