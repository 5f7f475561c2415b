// API keys a real Temporal frontend accepts: RS256 JWTs signed with a key pair made here, whose
// public half a tiny local HTTP server publishes as a JWKS — the server's default JWT key provider
// fetches it (`global.authorization.jwtKeyProvider.keySourceURIs`). The default claim mapper reads
// the `permissions` claim: "<namespace>:<read|write|worker|admin>", or "temporal-system:admin".
import { createSign, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface JwtIssuer {
  /** Where the JWKS is served. */
  jwksUrl: string;
  /** A token signed by the published key, valid for an hour. */
  mint(permissions: string[], sub?: string): string;
  /** The same claims signed by a key nobody published. */
  forge(permissions: string[]): string;
  close(): Promise<void>;
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

function sign(key: KeyObject, kid: string, permissions: string[], sub: string): string {
  const now = Math.floor(Date.now() / 1000);
  const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid }));
  const payload = b64url(JSON.stringify({ sub, permissions, iat: now, exp: now + 3600 }));
  const signature = createSign('RSA-SHA256').update(`${header}.${payload}`).sign(key);
  return `${header}.${payload}.${b64url(signature)}`;
}

export async function startJwtIssuer(): Promise<JwtIssuer> {
  const kid = `liveshift-test-${randomUUID()}`;
  const published = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const unpublished = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...published.publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' };
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    jwksUrl: `http://127.0.0.1:${port}/jwks.json`,
    mint: (permissions, sub = 'liveshift-test') => sign(published.privateKey, kid, permissions, sub),
    forge: (permissions) => sign(unpublished.privateKey, kid, permissions, 'intruder'),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
