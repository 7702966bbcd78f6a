import { describe, expect, it } from 'vitest';
import { parseRemoteUri } from '../../src/remote/uri.js';

describe('parseRemoteUri', () => {
  it('parses qemu+tcp with the default port and sends qemu:///system', () => {
    expect(parseRemoteUri('qemu+tcp://10.0.0.5/system')).toEqual({
      transport: 'tcp',
      host: '10.0.0.5',
      port: 16509,
      name: 'qemu:///system',
    });
  });

  it('keeps an explicit port and strips it from the open name', () => {
    expect(parseRemoteUri('test+tcp://127.0.0.1:36509/default')).toEqual({
      transport: 'tcp',
      host: '127.0.0.1',
      port: 36509,
      name: 'test:///default',
    });
  });

  it('unwraps an IPv6 literal host', () => {
    expect(parseRemoteUri('qemu+tcp://[::1]:1234/system')).toMatchObject({ host: '::1', port: 1234 });
  });

  it('takes the socket path from ?socket= and does not send it to the server', () => {
    expect(parseRemoteUri('qemu+unix:///system?socket=/tmp/x/libvirt-sock')).toEqual({
      transport: 'unix',
      socketPath: '/tmp/x/libvirt-sock',
      name: 'qemu:///system',
    });
    expect(parseRemoteUri('test+unix:///default?socket=/s')).toMatchObject({ name: 'test:///default' });
  });

  it('uses the default unix socket, and its read-only twin for read-only opens', () => {
    expect(parseRemoteUri('qemu+unix:///system')).toMatchObject({
      socketPath: '/var/run/libvirt/libvirt-sock',
    });
    expect(parseRemoteUri('qemu+unix:///system', true)).toMatchObject({
      socketPath: '/var/run/libvirt/libvirt-sock-ro',
    });
  });

  it('treats a plain local URI as the unix transport', () => {
    expect(parseRemoteUri('qemu:///system')).toMatchObject({ transport: 'unix', name: 'qemu:///system' });
  });

  it('keeps server-side query parameters and honours ?name=', () => {
    expect(parseRemoteUri('qemu+unix:///session?socket=/s&foo=1')).toMatchObject({
      name: 'qemu:///session?foo=1',
    });
    expect(parseRemoteUri('qemu+tcp://h/system?name=test:///default')).toMatchObject({
      name: 'test:///default',
    });
  });

  it('reads qemu+tls (and a bare host URI, which means tls): port 16514, pkipath and no_verify stay client-side', () => {
    expect(parseRemoteUri('qemu+tls://h/system')).toEqual({
      transport: 'tls',
      host: 'h',
      port: 16514,
      name: 'qemu:///system',
      verify: true,
    });
    expect(parseRemoteUri('qemu://h:1700/system?pkipath=/p&no_verify=1')).toEqual({
      transport: 'tls',
      host: 'h',
      port: 1700,
      name: 'qemu:///system',
      pkipath: '/p',
      verify: false,
    });
    expect(() => parseRemoteUri('qemu+tls:///system')).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG', message: expect.stringContaining('needs a host') }),
    );
    expect(() => parseRemoteUri('qemu+tls://h/system?no_verify=yes')).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG', message: expect.stringContaining('no_verify=yes') }),
    );
  });

  it('refuses ssh and other transports as not supported', () => {
    expect(() => parseRemoteUri('qemu+ssh://root@h/system')).toThrow(
      expect.objectContaining({ code: 'ERR_NOT_SUPPORTED' }),
    );
  });

  it('rejects text that is not a URI, and a tcp URI without a host', () => {
    expect(() => parseRemoteUri('not a uri')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
    expect(() => parseRemoteUri('qemu+tcp:///system')).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG' }),
    );
  });
});
