// A real Temporal server (the v1.29.1 `server` binary, ensureTemporalServer) whose frontend speaks
// TLS only — with client certificates required (mTLS) or not — and optionally checks JWT API keys,
// on in-memory SQLite. Unlike the dev server it is configured like a production frontend, so
// connection settings are proven against it rather than assumed. The system worker reaches the
// cluster through an internal frontend (plaintext, no authorization), as a secured deployment does.
import { Connection, type TLSConfig } from '@temporalio/client';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { msToTs } from '@temporalio/common/lib/time';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ensureTemporalServer } from '../../cli/temporal-server-build';
import { DEV_SERVER_DYNAMIC_CONFIG, freePort, stopChild } from '../../cli/temporal-server';
import { searchAttributes } from '../../workflows/definitions';
import type { TestPki } from './test-pki';

export interface TlsServerOptions {
  pki: TestPki;
  /** Require a client certificate signed by the test CA. */
  mtls: boolean;
  /** Check `Authorization: Bearer <JWT>` against this JWKS; `adminToken` sets the server up. */
  jwt?: { jwksUrl: string; adminToken: string };
}

export interface TlsServer {
  address: string;
  stop(): Promise<void>;
}

const SERVICES = ['frontend', 'internal-frontend', 'history', 'matching', 'worker'] as const;

async function distinctPorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

const sqlite = (databaseName: string) => ({
  sql: {
    pluginName: 'sqlite',
    databaseName,
    connectAddr: 'localhost',
    connectProtocol: 'tcp',
    // In memory, the plugin creates the schema itself; one connection keeps the database alive.
    connectAttributes: { mode: 'memory', cache: 'private' },
    maxConns: 1,
    maxIdleConns: 1,
    maxConnLifetime: '1h',
  },
});

function serverConfig(o: TlsServerOptions, ports: number[], dynamicConfigFile: string) {
  const rpc = (i: number) => ({
    grpcPort: ports[3 * i],
    membershipPort: ports[3 * i + 1],
    httpPort: ports[3 * i + 2],
    bindOnLocalHost: true,
  });
  const { pki } = o;
  return {
    log: { stdout: true, level: 'error' },
    persistence: {
      defaultStore: 'default',
      visibilityStore: 'visibility',
      numHistoryShards: 1,
      datastores: { default: sqlite('default'), visibility: sqlite('visibility') },
    },
    global: {
      membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' },
      tls: {
        frontend: {
          server: {
            certFile: pki.server.cert,
            keyFile: pki.server.key,
            requireClientAuth: o.mtls,
            ...(o.mtls ? { clientCaFiles: [pki.ca] } : {}),
          },
        },
      },
      ...(o.jwt
        ? {
            authorization: {
              jwtKeyProvider: { keySourceURIs: [o.jwt.jwksUrl], refreshInterval: '1m' },
              permissionsClaimName: 'permissions',
              authorizer: 'default',
              claimMapper: 'default',
            },
          }
        : {}),
    },
    services: Object.fromEntries(SERVICES.map((name, i) => [name, { rpc: rpc(i) }])),
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: `127.0.0.1:${ports[0]}` },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } },
    namespaceDefaults: { archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } } },
    dynamicConfigClient: { filepath: dynamicConfigFile, pollInterval: '10s' },
  };
}

/** The dev server's tuning (queue polling, timer shift), and search attributes visible as soon as added. */
function dynamicConfig(): string {
  const values = { ...DEV_SERVER_DYNAMIC_CONFIG, 'system.forceSearchAttributesCacheRefreshOnRead': true };
  return stringify(Object.fromEntries(Object.entries(values).map(([k, value]) => [k, [{ value }]])));
}

/** Connection options with full rights, for setting the server up. */
export function adminConnection(address: string, o: TlsServerOptions) {
  const tls: TLSConfig = {
    serverRootCACertificate: readFileSync(o.pki.ca),
    ...(o.mtls
      ? { clientCertPair: { crt: readFileSync(o.pki.client.cert), key: readFileSync(o.pki.client.key) } }
      : {}),
  };
  return { address, tls, ...(o.jwt ? { apiKey: o.jwt.adminToken } : {}), connectTimeout: 2000 };
}

export async function startTlsServer(o: TlsServerOptions): Promise<TlsServer> {
  const server = ensureTemporalServer().server;
  const root = mkdtempSync(join(tmpdir(), 'liveshift-tls-server-'));
  mkdirSync(join(root, 'config'));
  const ports = await distinctPorts(3 * SERVICES.length);
  const dynamicConfigFile = join(root, 'dynamic.yaml');
  writeFileSync(dynamicConfigFile, dynamicConfig());
  writeFileSync(join(root, 'config', 'development.yaml'), stringify(serverConfig(o, ports, dynamicConfigFile)));
  const services = SERVICES.flatMap((s) => ['--service', s]);
  const args = ['--root', root, '--config', 'config', '--env', 'development', '--allow-no-auth', 'start', ...services];
  const child = spawn(server, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (d: Buffer) => void (output = (output + d.toString()).slice(-4000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const address = `127.0.0.1:${ports[0]}`;
  try {
    await setUp(adminConnection(address, o), () => (child.exitCode === null ? undefined : output));
  } catch (err) {
    await stopChild(child);
    throw new Error(`${(err as Error).message}; server output: ${output.slice(-1000)}`);
  }
  return { address, stop: () => stopChild(child) };
}

/** Waits for the frontend, then creates the namespace `default` and liveshift's search attributes. */
async function setUp(options: ReturnType<typeof adminConnection>, exited: () => string | undefined): Promise<void> {
  const deadline = Date.now() + 60_000;
  let last: unknown;
  while (Date.now() < deadline) {
    if (exited() !== undefined) throw new Error('the Temporal server exited');
    try {
      const connection = await Connection.connect(options);
      try {
        await ensureNamespace(connection);
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  throw new Error(`the TLS Temporal server was not ready in 60 s: ${(last as Error | undefined)?.message}`);
}

async function ensureNamespace(connection: Connection): Promise<void> {
  const namespace = 'default';
  await connection.workflowService
    .registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') })
    .catch((err: { code?: number }) => {
      if (err.code !== 6) throw err; // ALREADY_EXISTS: an earlier attempt got this far
    });
  const wanted = Object.fromEntries(
    Object.values(searchAttributes).map((k) => [k.name, encodeSearchAttributeIndexedValueType(k.type)!]),
  );
  await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: wanted }).catch(() => undefined);
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = Object.keys(wanted).filter((k) => customAttributes?.[k] === undefined);
  if (missing.length > 0) throw new Error(`search attributes not registered yet: ${missing.join(', ')}`);
  // The namespace must be usable by workers too, not only registered.
  await connection.workflowService.describeNamespace({ namespace });
}
