import { describe, expect, it } from 'vitest';
import { locateClientPki } from '../../src/remote/pki.js';

describe("locateClientPki: libvirt's places for a TLS client's files", () => {
  const none = { exists: () => false };

  it('takes all three from ?pkipath=DIR', () => {
    expect(locateClientPki('/etc/tsvirt/pki', { uid: 1000, home: '/home/u', ...none })).toEqual({
      caFile: '/etc/tsvirt/pki/cacert.pem',
      certFile: '/etc/tsvirt/pki/clientcert.pem',
      keyFile: '/etc/tsvirt/pki/clientkey.pem',
    });
  });

  it("uses the system's files for root, even when root has ~/.pki/libvirt", () => {
    expect(locateClientPki(undefined, { uid: 0, home: '/root', exists: () => true })).toEqual({
      caFile: '/etc/pki/CA/cacert.pem',
      certFile: '/etc/pki/libvirt/clientcert.pem',
      keyFile: '/etc/pki/libvirt/private/clientkey.pem',
    });
  });

  it("prefers a user's own file in ~/.pki/libvirt, one by one, over the system's", () => {
    const have = new Set(['/home/u/.pki/libvirt/clientcert.pem', '/home/u/.pki/libvirt/clientkey.pem']);
    expect(locateClientPki(undefined, { uid: 1000, home: '/home/u', exists: (p) => have.has(p) })).toEqual({
      caFile: '/etc/pki/CA/cacert.pem',
      certFile: '/home/u/.pki/libvirt/clientcert.pem',
      keyFile: '/home/u/.pki/libvirt/clientkey.pem',
    });
  });
});
