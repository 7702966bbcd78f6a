/**
 * libvirtd's tls_allowed_dn_list: a client certificate's Distinguished Name as gnutls prints it (the
 * subject's attributes in the certificate's order, joined by commas: "C=GB,O=Example,CN=client"),
 * matched against glob patterns in which `*` stands for any run of characters and `?` for one. Pure.
 */

/** The DN of a subject that Node.js gives one attribute per line (X509Certificate.subject). */
export function formatSubjectDn(subjectLines: string): string {
  return subjectLines
    .split('\n')
    .filter((line) => line !== '')
    .join(',');
}

/** Whether `dn` matches one of `patterns` whole. */
export function isDnAllowed(dn: string, patterns: readonly string[]): boolean {
  return patterns.some((pattern) => globToRegExp(pattern).test(dn));
}

function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, 's');
}
