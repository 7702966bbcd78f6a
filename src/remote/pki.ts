/**
 * Where libvirt keeps the certificates of its TLS transport, for the client (tsvirt over
 * `qemu+tls://`) and for the server (tsvirtd's `key_file`, `cert_file`, `ca_file` defaults). Pure:
 * the caller says who runs and which files exist.
 */
import { join } from 'node:path';

/** libvirt's CA certificate, for both ends. */
export const DEFAULT_CA_FILE = '/etc/pki/CA/cacert.pem';
/** libvirtd's certificate and private key. */
export const DEFAULT_SERVER_CERT_FILE = '/etc/pki/libvirt/servercert.pem';
export const DEFAULT_SERVER_KEY_FILE = '/etc/pki/libvirt/private/serverkey.pem';
/** A client's certificate and private key, system-wide. */
export const DEFAULT_CLIENT_CERT_FILE = '/etc/pki/libvirt/clientcert.pem';
export const DEFAULT_CLIENT_KEY_FILE = '/etc/pki/libvirt/private/clientkey.pem';

/** The three files one end of a TLS connection needs. */
export interface PkiFiles {
  caFile: string;
  certFile: string;
  keyFile: string;
}

/** Who the client runs as, and which files exist. */
export interface PkiEnv {
  uid: number;
  home: string;
  exists: (path: string) => boolean;
}

/**
 * The client's files, as libvirt finds them: all three in `pkipath` when the URI gives one
 * (cacert.pem, clientcert.pem, clientkey.pem); else, for a user other than root, each file in
 * ~/.pki/libvirt/ when it is there (the CA as ~/.pki/libvirt/cacert.pem), and the system's otherwise.
 */
export function locateClientPki(pkipath: string | undefined, env: PkiEnv): PkiFiles {
  if (pkipath !== undefined) {
    return {
      caFile: join(pkipath, 'cacert.pem'),
      certFile: join(pkipath, 'clientcert.pem'),
      keyFile: join(pkipath, 'clientkey.pem'),
    };
  }
  const system: PkiFiles = {
    caFile: DEFAULT_CA_FILE,
    certFile: DEFAULT_CLIENT_CERT_FILE,
    keyFile: DEFAULT_CLIENT_KEY_FILE,
  };
  if (env.uid === 0) return system;
  const user = join(env.home, '.pki', 'libvirt');
  const pick = (name: string, fallback: string): string => {
    const path = join(user, name);
    return env.exists(path) ? path : fallback;
  };
  return {
    caFile: pick('cacert.pem', system.caFile),
    certFile: pick('clientcert.pem', system.certFile),
    keyFile: pick('clientkey.pem', system.keyFile),
  };
}
