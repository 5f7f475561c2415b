// A throwaway PKI for TLS tests, made with the openssl CLI at test time (nothing committed): a test
// CA, a server certificate for 127.0.0.1/localhost and a client certificate it signed, and a second,
// unrelated CA with its own client certificate, for "the wrong CA" cases. P-256 keys: generated in
// milliseconds, and accepted by the Go server and by the SDK's Rust TLS stack alike.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CertPair {
  cert: string;
  key: string;
}

export interface TestPki {
  dir: string;
  /** The CA that signed `server` and `client`. */
  ca: string;
  server: CertPair;
  client: CertPair;
  /** A CA the server does not trust, and a client certificate it signed. */
  otherCa: string;
  otherClient: CertPair;
}

const openssl = (dir: string, args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
const KEY_ARGS = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function makeCa(dir: string, name: string): CertPair {
  const pair = { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) };
  openssl(dir, [
    'req',
    '-x509',
    ...KEY_ARGS,
    '-keyout',
    pair.key,
    '-out',
    pair.cert,
    '-days',
    '2',
    '-subj',
    `/CN=liveshift ${name}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return pair;
}

/** A leaf certificate signed by `ca`, with the given extensions (SAN, extended key usage). */
function makeLeaf(dir: string, name: string, ca: CertPair, extensions: string[]): CertPair {
  const pair = { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) };
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, ['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature', ...extensions].join('\n'));
  openssl(dir, ['req', '-new', ...KEY_ARGS, '-keyout', pair.key, '-out', csr, '-subj', `/CN=liveshift ${name}`]);
  const sign = ['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial'];
  openssl(dir, [...sign, '-out', pair.cert, '-days', '2', '-extfile', ext]);
  return pair;
}

export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'liveshift-pki-'));
  const ca = makeCa(dir, 'test-ca');
  const server = makeLeaf(dir, 'server', ca, [
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
    'extendedKeyUsage=serverAuth',
  ]);
  const client = makeLeaf(dir, 'client', ca, ['extendedKeyUsage=clientAuth']);
  const other = makeCa(dir, 'other-ca');
  const otherClient = makeLeaf(dir, 'other-client', other, ['extendedKeyUsage=clientAuth']);
  return { dir, ca: ca.cert, server, client, otherCa: other.cert, otherClient };
}
