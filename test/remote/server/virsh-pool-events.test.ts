/**
 * Storage pool events through the real virsh: a refresh (virt-manager re-reads a pool's volumes on it)
 * and the lifecycle, as `virsh pool-event` prints them; and our own client's refresh subscription.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../../src/exec/index.js';
import { connect } from '../../../src/connect.js';
import type { PoolRefreshEvent } from '../../../src/connection.js';
import { waitUntil } from '../../driver/helpers.js';
import { startTestServer, type TestServer } from './server-fixture.js';
import { VIRSH, virsh } from './virsh-harness.js';

if (!VIRSH) console.warn('skipping virsh pool event tests: virsh (libvirt-clients) is not installed');

describe.skipIf(!VIRSH)('storage pool events', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer();
  });
  afterAll(async () => {
    expect(await srv.stop()).toEqual([]);
  });

  /** Runs `virsh pool-event ARGS` until its first event, once the server has its registration. */
  async function poolEvent(args: string[], trigger: () => Promise<unknown>): Promise<string> {
    const registered = srv.logs.filter((l) => /storage pool event \d registered/.test(l)).length;
    const argv = [VIRSH as string, '-c', srv.unixUri, 'pool-event', ...args, '--timeout', '30'];
    const event = run(argv, { timeoutMs: 40_000, env: { HOME: '/tmp' } });
    await waitUntil(
      () => srv.logs.filter((l) => /storage pool event \d registered/.test(l)).length > registered,
      10_000,
      'virsh pool-event',
    );
    await trigger();
    return (await event).stdout;
  }

  it('sends refresh on pool-refresh, to virsh and to our own client, for that pool only', async () => {
    const client = await connect(srv.unixUri);
    try {
      const seen: PoolRefreshEvent[] = [];
      const pool = await client.lookupStoragePoolByName('default');
      const sub = await client.onStoragePoolRefresh((ev) => seen.push(ev), pool);
      await client.storagePoolRefresh(pool);
      await waitUntil(() => seen.length === 1, 5_000, 'refresh event');
      expect(seen[0]?.pool).toEqual(pool);
      sub.unsubscribe();
    } finally {
      await client.close();
    }
    const printed = await poolEvent(['default', 'refresh'], () =>
      virsh(srv.unixUri, ['pool-refresh', 'default']),
    );
    expect(printed).toBe("event 'refresh' for storage pool default\nevents received: 1\n\n");
  });

  it('still sends the lifecycle events to pool-event --event lifecycle', async () => {
    const printed = await poolEvent(['default', 'lifecycle'], () =>
      virsh(srv.unixUri, ['pool-destroy', 'default']),
    );
    expect(printed).toBe("event 'lifecycle' for storage pool default: Stopped\nevents received: 1\n\n");
  });
});
