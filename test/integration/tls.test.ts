// TLS and API keys proven against a real Temporal server (test/helpers/tls-server.ts), not assumed:
// a frontend that requires client certificates from a test CA, and one that checks JWT API keys.
// Against each, a liveshift stack (workers and client on the connection loadConfig reads from the
// standard variables) runs a real migration, the CLI works with nothing but the standard variables
// (or a TOML profile, or the deprecated names), and a client without the right credential is
// refused in one line that shows no key.
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { NativeConnection } from '@temporalio/worker';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationResultSchema } from '../../domain/request';
import { CREDENTIAL_VARIABLES, loadConfig } from '../../workers/config';
import { nativeConnectionOptions } from '../../workers/connection';
import { scratchState, startStack, type Stack } from '../../workers/stack';
import { liveshift } from '../helpers/cli';
import { startJwtIssuer, type JwtIssuer } from '../helpers/jwt';
import { e2ePool } from '../helpers/pools';
import { testTarget } from '../helpers/server';
import { makeTestPki } from '../helpers/test-pki';
import { startTlsServer, type TlsServer } from '../helpers/tls-server';

const pki = makeTestPki();
/** The CLI's environment: none of the test process's Temporal settings, then `env`. */
const cliEnv = (stack: Stack, env: Record<string, string>) => ({
  ...Object.fromEntries(CREDENTIAL_VARIABLES.map((k) => [k, ''])),
  LIVESHIFT_STATE: stack.stateFile,
  ...env,
});
const port = (address: string) => address.split(':')[1]!;

describe('a frontend requiring client certificates (mTLS)', () => {
  let server: TlsServer;
  let stack: Stack;
  let standard: Record<string, string>;

  beforeAll(async () => {
    server = await startTlsServer({ pki, mtls: true });
    // The name the CLI dials is the certificate's DNS name; the stack dials its IP address (also in the SAN).
    standard = {
      TEMPORAL_ADDRESS: `localhost:${port(server.address)}`,
      TEMPORAL_TLS_CLIENT_CERT_PATH: pki.client.cert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: pki.client.key,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.ca,
    };
    const connection = loadConfig({ ...standard, TEMPORAL_ADDRESS: server.address });
    const pool = e2ePool(`tls-${Date.now()}`, { timeScale: 0.1 });
    // Host workers in their own processes: the connection reaches them through the environment.
    const target = { ...testTarget(), address: server.address, stateFile: scratchState(pool) };
    stack = await startStack({ ...target, connection, hostProcesses: true });
  });
  afterAll(async () => {
    await stack?.stop();
    await server?.stop();
  });

  it('runs a migration with every worker and the client connected over mTLS', async () => {
    const result = await stack.migrate({ vm: 'vm-1', to: 'host-b' });
    expect(result.outcome).toBe('migrated');
    const history = historyToJSON(await stack.client.workflow.getHandle(result.workflowId).fetchHistory());
    expect(history).toContain('VBD_attach');
    expect(history).not.toMatch(/PRIVATE KEY|BEGIN CERTIFICATE/);
  });

  it('the CLI migrates and lists with only the standard variables set', async () => {
    const env = cliEnv(stack, standard);
    const run = await liveshift(['migrate', 'vm-1', '--to', 'host-a', '--json'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(migrationResultSchema.parse(JSON.parse(run.stdout)).outcome).toBe('migrated');
    const list = await liveshift(['list', '--json'], env);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toContainEqual(expect.objectContaining({ vm: 'vm-1' }));
  });

  it('a TOML profile (TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE) selects the server and its TLS', async () => {
    const file = join(pki.dir, 'temporal.toml');
    const tls = `client_cert_path = "${pki.client.cert}"\nclient_key_path = "${pki.client.key}"\nserver_ca_cert_path = "${pki.ca}"`;
    writeFileSync(file, `[profile.pool]\naddress = "localhost:${port(server.address)}"\n[profile.pool.tls]\n${tls}\n`);
    const run = await liveshift(
      ['list', '--json'],
      cliEnv(stack, { TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'pool' }),
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  });

  it('the deprecated names still work, with one deprecation line however often the configuration is read', async () => {
    const old = {
      TEMPORAL_ADDRESS: `localhost:${port(server.address)}`,
      TEMPORAL_TLS_CERT: pki.client.cert,
      TEMPORAL_TLS_KEY: pki.client.key,
      TEMPORAL_TLS_CA: pki.ca,
    };
    // `migrate` reads the configuration twice (pool state, then the client).
    const run = await liveshift(['migrate', 'vm-1', '--to', 'host-b', '--json'], cliEnv(stack, old));
    expect(run.code).toBe(0);
    expect(migrationResultSchema.parse(JSON.parse(run.stdout)).outcome).toBe('migrated');
    expect(run.stderr.trim().split('\n')).toEqual([
      'liveshift: deprecated: TEMPORAL_TLS_CERT (use TEMPORAL_TLS_CLIENT_CERT_PATH), TEMPORAL_TLS_KEY (use TEMPORAL_TLS_CLIENT_KEY_PATH), TEMPORAL_TLS_CA (use TEMPORAL_TLS_SERVER_CA_CERT_PATH)',
    ]);
  });

  it('refuses a client without a certificate, or trusting another CA, in one line', async () => {
    const runs = await Promise.all(
      [
        { ...standard, TEMPORAL_TLS_CLIENT_CERT_PATH: '', TEMPORAL_TLS_CLIENT_KEY_PATH: '' },
        { ...standard, TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.otherCa },
      ].map((env) => liveshift(['list'], cliEnv(stack, env))),
    );
    for (const run of runs) {
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^liveshift: cannot reach Temporal at localhost:\d+ \(/);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).not.toMatch(/BEGIN|PRIVATE KEY/);
    }
  });

  it('refuses a worker whose certificate another CA signed (and accepts the right one)', async () => {
    const env = {
      ...standard,
      TEMPORAL_TLS_CLIENT_CERT_PATH: pki.otherClient.cert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: pki.otherClient.key,
    };
    await expect(NativeConnection.connect(nativeConnectionOptions(loadConfig(env)))).rejects.toThrow(
      /tonic::transport::Error/,
    );
    await (await NativeConnection.connect(nativeConnectionOptions(loadConfig(standard)))).close();
  });
});

describe('a frontend checking API keys (JWT)', () => {
  let issuer: JwtIssuer;
  let server: TlsServer;
  let stack: Stack;
  let env: (apiKey: string) => Record<string, string>;
  let workerKey: string;

  beforeAll(async () => {
    issuer = await startJwtIssuer();
    const auth = { jwksUrl: issuer.jwksUrl, adminToken: issuer.mint(['temporal-system:admin']) };
    server = await startTlsServer({ pki, mtls: false, jwt: auth });
    // An API key over TLS with the server's CA, as for a hosted frontend: no client certificate.
    env = (apiKey) => ({
      TEMPORAL_ADDRESS: `localhost:${port(server.address)}`,
      TEMPORAL_API_KEY: apiKey,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.ca,
    });
    workerKey = issuer.mint(['default:admin']);
    const connection = loadConfig({ ...env(workerKey), TEMPORAL_ADDRESS: server.address });
    const pool = e2ePool(`jwt-${Date.now()}`, { timeScale: 0.1 });
    stack = await startStack({ ...testTarget(), address: server.address, stateFile: scratchState(pool), connection });
  });
  afterAll(async () => {
    await stack?.stop();
    await server?.stop();
    await issuer?.close();
  });

  it('runs a migration with workers and client sending a valid key, which its history does not hold', async () => {
    const result = await stack.migrate({ vm: 'vm-1', to: 'host-b' });
    expect(result.outcome).toBe('migrated');
    const history = historyToJSON(await stack.client.workflow.getHandle(result.workflowId).fetchHistory());
    expect(history).toContain('VBD_attach');
    expect(history).not.toContain(workerKey.split('.')[2]); // the signature: the part no one else can make
  });

  it('the CLI lists with TEMPORAL_API_KEY', async () => {
    const run = await liveshift(['list', '--json'], cliEnv(stack, env(issuer.mint(['default:read']))));
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toContainEqual(expect.objectContaining({ vm: 'vm-1' }));
  });

  it('refuses a key signed by an unknown key, or none, in one line that does not show the key', async () => {
    const forged = issuer.forge(['default:admin']);
    const [refused, anonymous] = await Promise.all([
      liveshift(['list'], cliEnv(stack, env(forged))),
      liveshift(['list'], cliEnv(stack, { ...env(''), TEMPORAL_API_KEY: '' })), // empty: unset
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /^liveshift: Temporal at localhost:\d+ refused the credentials \(.*PERMISSION_DENIED/,
    );
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr + refused.stdout).not.toContain(forged);
    expect(refused.stderr + refused.stdout).not.toContain(forged.split('.')[2]);
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toBe('liveshift: Failed to list workflows: 7 PERMISSION_DENIED: Request unauthorized.\n');
  });
});
