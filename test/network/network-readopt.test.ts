/**
 * Re-adoption of running networks by a new NetworkDriver on the same root, against a recording backend:
 * lost restartable parts are started again under the running network; a lost bridge, or a part that
 * does not start again, stops the whole network.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NetworkBackend, NetworkPart } from '../../src/network/backend.js';
import { NetworkDriver } from '../../src/network/index.js';

const XML = `<network><name>ra</name><forward mode='nat'/><bridge name='tsvbr40'/>
<ip address='10.40.0.1' prefix='24'/></network>`;

/** A data plane held in memory: which parts are up, which fail to start, and every call in order. */
class RecordingBackend implements NetworkBackend {
  readonly up = new Set<string>();
  readonly failing = new Set<string>();
  readonly calls: string[] = [];
  readonly host = { listLinks: async () => [], listRoutes: async () => [] };

  partsFor(): NetworkPart[] {
    return [this.part('bridge', false), this.part('dnsmasq', true), this.part('nftables', true)];
  }

  private part(name: string, restartable: boolean): NetworkPart {
    return {
      name,
      restartable,
      start: async () => {
        this.calls.push(`start ${name}`);
        if (this.failing.has(name)) throw new Error(`${name} would not start`);
        this.up.add(name);
      },
      stop: async () => {
        this.calls.push(`stop ${name}`);
        this.up.delete(name);
      },
      isUp: async () => this.up.has(name),
    };
  }
}

describe('re-adoption of running networks', () => {
  let root: string;
  let backend: RecordingBackend;
  let warnings: string[];
  const reopen = (): Promise<NetworkDriver> =>
    NetworkDriver.open({ root, backend, onWarning: (m) => warnings.push(m) });

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'tsvirt-readopt-'));
    backend = new RecordingBackend();
    const first = await NetworkDriver.open({ root, backend });
    await first.networkCreate(await first.networkDefineXML(XML));
    expect([...backend.up].sort()).toEqual(['bridge', 'dnsmasq', 'nftables']);
    backend.calls.length = 0;
    warnings = [];
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('keeps a network whose parts are all up, touching none of them', async () => {
    const driver = await reopen();
    expect(await driver.networkIsActive(await driver.lookupNetworkByName('ra'))).toBe(true);
    expect(backend.calls).toEqual([]);
    expect(warnings).toEqual([]);
  });

  it('starts a lost dnsmasq and table again and keeps the bridge and the network running', async () => {
    backend.up.delete('dnsmasq');
    backend.up.delete('nftables');
    const driver = await reopen();
    expect(await driver.networkIsActive(await driver.lookupNetworkByName('ra'))).toBe(true);
    expect(backend.calls).toEqual(['start dnsmasq', 'start nftables']);
    expect(warnings).toEqual(["network 'ra': its dnsmasq, nftables was gone; started again"]);
  });

  it('stops the whole network when a lost part does not start again', async () => {
    backend.up.delete('dnsmasq');
    backend.failing.add('dnsmasq');
    const driver = await reopen();
    expect(await driver.networkIsActive(await driver.lookupNetworkByName('ra'))).toBe(false);
    expect(backend.calls).toEqual(['start dnsmasq', 'stop nftables', 'stop dnsmasq', 'stop bridge']);
    expect(backend.up.size).toBe(0);
    expect(warnings).toEqual([
      "network 'ra': its dnsmasq was gone and did not start again: dnsmasq would not start",
    ]);
  });

  it('stops the network, remaking nothing, when its bridge is gone', async () => {
    backend.up.delete('bridge');
    backend.up.delete('dnsmasq');
    const driver = await reopen();
    expect(await driver.networkIsActive(await driver.lookupNetworkByName('ra'))).toBe(false);
    expect(backend.calls).toEqual(['stop nftables', 'stop dnsmasq', 'stop bridge']);
    expect(backend.up.size).toBe(0);
    expect(warnings).toEqual(["network 'ra' was running but its bridge, dnsmasq is gone; marked inactive"]);
  });
});
