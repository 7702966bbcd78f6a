import { afterEach, describe, expect, it } from 'vitest';
import { PreOpenGuard } from '../../../src/remote/server/pre-open-guard.js';

const LIMITS = { openTimeoutMs: 300, packetTimeoutMs: 100, maxHeldBytes: 1000 };
const guards: PreOpenGuard[] = [];

function guard(): { g: PreOpenGuard; breaches: string[] } {
  const breaches: string[] = [];
  const g = new PreOpenGuard(LIMITS, (reason) => breaches.push(reason));
  guards.push(g);
  return { g, breaches };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

afterEach(() => {
  for (const g of guards.splice(0)) g.stop();
});

describe('PreOpenGuard', () => {
  it('reports a client that has not opened by the open deadline, once', async () => {
    const { g, breaches } = guard();
    await sleep(400);
    expect(breaches).toEqual(['no successful CONNECT_OPEN within 300 ms of connecting']);
    expect(g.active).toBe(false);
  });

  it('reports a packet begun and not finished by the packet deadline, however bytes trickle in', async () => {
    const { g, breaches } = guard();
    for (let held = 10; held < 60; held += 10) {
      g.onReceived(held, 0, held);
      await sleep(30);
    }
    expect(breaches).toEqual(['a packet begun before CONNECT_OPEN was not complete within 100 ms']);
  });

  it('restarts the packet deadline when a packet completes, and stops it when none is partial', async () => {
    const { g, breaches } = guard();
    g.onReceived(50, 0, 50);
    await sleep(70);
    g.onReceived(20, 1, 20);
    await sleep(70);
    g.onReceived(0, 1, 0);
    await sleep(120);
    expect(breaches).toEqual([]);
  });

  it('reports a client holding more bytes than allowed at once', () => {
    const { g, breaches } = guard();
    g.onReceived(600, 0, 1001);
    expect(breaches).toEqual(['1001 bytes held before CONNECT_OPEN, over the 1000 allowed']);
  });

  it('ends every bound once the client has opened', async () => {
    const { g, breaches } = guard();
    g.onReceived(50, 0, 50);
    g.stop();
    g.onReceived(5000, 0, 5000);
    await sleep(400);
    expect(breaches).toEqual([]);
  });
});
