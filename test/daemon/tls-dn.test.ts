import { describe, expect, it } from 'vitest';
import { formatSubjectDn, isDnAllowed } from '../../src/daemon/tls-dn.js';

describe("tls_allowed_dn_list: a client certificate's DN against glob patterns", () => {
  it('writes the subject in certificate order, joined by commas, as gnutls prints a DN', () => {
    expect(formatSubjectDn('C=GB\nST=London\nL=London\nO=Red Hat\nCN=client1\n')).toBe(
      'C=GB,ST=London,L=London,O=Red Hat,CN=client1',
    );
    expect(formatSubjectDn('CN=client')).toBe('CN=client');
    expect(formatSubjectDn('')).toBe('');
  });

  it('matches whole DNs, with * for any run and ? for one character', () => {
    const list = ['C=GB,ST=London,L=London,O=Red Hat,CN=*', 'CN=host?'];
    expect(isDnAllowed('C=GB,ST=London,L=London,O=Red Hat,CN=client1', list)).toBe(true);
    expect(isDnAllowed('CN=host7', list)).toBe(true);
    expect(isDnAllowed('CN=host77', list)).toBe(false);
    expect(isDnAllowed('C=US,ST=London,L=London,O=Red Hat,CN=client1', list)).toBe(false);
    expect(isDnAllowed('X,C=GB,ST=London,L=London,O=Red Hat,CN=a', list)).toBe(false);
    expect(isDnAllowed('', list)).toBe(false);
    expect(isDnAllowed('CN=anything', [])).toBe(false);
  });

  it('takes every other character literally, regex characters included', () => {
    expect(isDnAllowed('O=Acme (UK) Ltd.,CN=a+b', ['O=Acme (UK) Ltd.,CN=a+b'])).toBe(true);
    expect(isDnAllowed('O=Acme (UK) Ltdx,CN=a+b', ['O=Acme (UK) Ltd.,CN=a+b'])).toBe(false);
    expect(isDnAllowed('CN=a[1]', ['CN=a[1]'])).toBe(true);
    expect(isDnAllowed('CN=a1', ['CN=a[1]'])).toBe(false);
  });
});
