/**
 * Certificates for the TLS tests, made with openssl as an administrator would: a CA, a server
 * certificate for 127.0.0.1 and localhost, and a client certificate, with the extensions libvirt's
 * client checks (basic constraints, key usage, key purpose). A second CA signs a "rogue" client.
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../../src/exec/index.js';

/** The files of one test PKI. */
export interface TestPki {
  /** The server's files (tsvirtd's key_file, cert_file, ca_file). */
  server: { keyFile: string; certFile: string; caFile: string };
  /** A pkipath folder of a client the server trusts. */
  client: string;
  /**
   * A pkipath folder whose client certificate another CA signed; its cacert.pem holds both CAs, so
   * that virsh's own checks pass and only the server can refuse it.
   */
  rogueClient: string;
  /** A pkipath folder with a good client certificate but the other CA as its CA (it distrusts the server). */
  distrustingClient: string;
}

const DAYS = '2';

async function makeCa(dir: string, name: string): Promise<{ key: string; cert: string }> {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.pem`);
  await run([
    'openssl',
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    DAYS,
    '-subj',
    `/CN=${name}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return { key, cert };
}

async function makeLeaf(
  dir: string,
  name: string,
  ca: { key: string; cert: string },
  purpose: 'serverAuth' | 'clientAuth',
): Promise<{ key: string; cert: string }> {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const cert = join(dir, `${name}.pem`);
  const ext = join(dir, `${name}.ext`);
  await writeFile(
    ext,
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      `extendedKeyUsage=${purpose}`,
      ...(purpose === 'serverAuth' ? ['subjectAltName=IP:127.0.0.1,DNS:localhost'] : []),
      '',
    ].join('\n'),
  );
  const cn = purpose === 'serverAuth' ? 'localhost' : name;
  await run([
    'openssl',
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    key,
    '-out',
    csr,
    '-subj',
    `/CN=${cn}`,
  ]);
  await run([
    'openssl',
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca.cert,
    '-CAkey',
    ca.key,
    '-CAcreateserial',
    '-out',
    cert,
    '-days',
    DAYS,
    '-extfile',
    ext,
  ]);
  return { key, cert };
}

/** A pkipath folder: cacert.pem, clientcert.pem, clientkey.pem. */
async function makePkipath(
  dir: string,
  caCert: string,
  client: { key: string; cert: string },
): Promise<string> {
  await mkdir(dir, { recursive: true });
  await copyFile(caCert, join(dir, 'cacert.pem'));
  await copyFile(client.cert, join(dir, 'clientcert.pem'));
  await copyFile(client.key, join(dir, 'clientkey.pem'));
  return dir;
}

/** One PEM file holding several CA certificates. */
async function bundle(dir: string, certs: string[]): Promise<string> {
  const path = join(dir, 'both-cas.pem');
  await writeFile(path, (await Promise.all(certs.map((c) => readFile(c, 'utf8')))).join(''));
  return path;
}

/** Makes a test PKI under `dir`. */
export async function makeTestPki(dir: string): Promise<TestPki> {
  await mkdir(dir, { recursive: true });
  const ca = await makeCa(dir, 'tsvirt-test-ca');
  const otherCa = await makeCa(dir, 'tsvirt-other-ca');
  const server = await makeLeaf(dir, 'server', ca, 'serverAuth');
  const client = await makeLeaf(dir, 'client', ca, 'clientAuth');
  const rogue = await makeLeaf(dir, 'rogue', otherCa, 'clientAuth');
  return {
    server: { keyFile: server.key, certFile: server.cert, caFile: ca.cert },
    client: await makePkipath(join(dir, 'client-pki'), ca.cert, client),
    rogueClient: await makePkipath(join(dir, 'rogue-pki'), await bundle(dir, [ca.cert, otherCa.cert]), rogue),
    distrustingClient: await makePkipath(join(dir, 'distrusting-pki'), otherCa.cert, client),
  };
}
