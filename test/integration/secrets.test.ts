// Secrets never enter histories: every recorded history, and the histories of fresh migrations run
// while the environment holds an API key and TLS files (one started by the CLI over a connection
// that sends the API key, with a host worker connected the same way), are scanned for credential
// material — raw JSON and every payload's decoded `data`.
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationResultSchema } from '../../domain/request';
import { SimPool } from '../../sim/sim-pool';
import { CREDENTIAL_VARIABLES as CREDENTIAL_VARS, loadConfig, Secret } from '../../workers/config';
import { clientConnectionOptions, nativeConnectionOptions } from '../../workers/connection';
import { createHostWorker } from '../../workers/host';
import type { Stack } from '../../workers/stack';
import { liveshift } from '../helpers/cli';
import { e2ePool } from '../helpers/pools';
import { stackFor, testTarget } from '../helpers/server';

const MARKER = `liveshift-secret-${randomUUID()}`;
const b64 = (s: string) => Buffer.from(s).toString('base64');
/** Matched case-insensitively against the raw history JSON and every decoded payload. */
const FORBIDDEN = [
  MARKER,
  b64(MARKER),
  'apiKey',
  'api_key',
  'TEMPORAL_API_KEY',
  'TEMPORAL_TLS',
  'LIVESHIFT_AGENT_TOKEN',
  'BEGIN CERTIFICATE',
  'PRIVATE KEY',
];

/** The raw JSON, then the text of every base64 `data` field, recursively (payloads inside failures, ...). */
function historyTexts(json: string): string[] {
  const texts = [json];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'data' && typeof value === 'string') {
        const decoded = Buffer.from(value, 'base64').toString('utf8');
        texts.push(decoded);
        try {
          visit(JSON.parse(decoded));
        } catch {
          // not JSON: its text is already scanned
        }
      } else visit(value);
    }
  };
  visit(JSON.parse(json));
  return texts;
}

/** Each forbidden string found, with where: [] when the history is clean. */
function credentialsIn(json: string): string[] {
  const texts = historyTexts(json).map((t) => t.toLowerCase());
  return FORBIDDEN.filter((f) => texts.some((t) => t.includes(f.toLowerCase())));
}

const historiesDir = join(__dirname, '..', 'histories');
const recorded = readdirSync(historiesDir).filter((f) => f.endsWith('.json'));

describe('no credential in any workflow history', () => {
  it('the scanner finds a marker hidden in a payload (positive control)', () => {
    const payload = { metadata: { encoding: b64('json/plain') }, data: b64(JSON.stringify({ note: `x${MARKER}y` })) };
    const nested = {
      metadata: {},
      data: b64(JSON.stringify({ failure: { encodedAttributes: { data: b64('-----BEGIN PRIVATE KEY-----') } } })),
    };
    expect(credentialsIn(JSON.stringify({ events: [{ input: { payloads: [payload] } }] }))).toEqual([MARKER]);
    expect(credentialsIn(JSON.stringify({ events: [{ input: { payloads: [nested] } }] }))).toEqual(['PRIVATE KEY']);
    expect(credentialsIn(JSON.stringify({ events: [{ header: { apiKey: 'x' } }] }))).toEqual(['apiKey']);
  });

  it('has recorded histories to scan', () => {
    expect(recorded.length).toBeGreaterThanOrEqual(3);
  });

  it.each(recorded)('recorded history %s carries no credential material', (file) => {
    const json = readFileSync(join(historiesDir, file), 'utf8');
    expect(historyTexts(json).length).toBeGreaterThan(10);
    expect(credentialsIn(json)).toEqual([]);
  });

  describe('fresh migrations', () => {
    let stack: Stack;
    let address: string;
    const saved = Object.fromEntries(CREDENTIAL_VARS.map((k) => [k, process.env[k]]));
    const extra: { connection?: NativeConnection; workers: Worker[]; running: Promise<void>[] } = {
      workers: [],
      running: [],
    };

    beforeAll(async () => {
      // The hosts' agents require a token (the marker too): direct dispatch sends it, no history keeps it.
      stack = await stackFor(e2ePool('secrets', { timeScale: 0.1 }), { agentToken: new Secret(MARKER) });
      address = testTarget().address;
    });
    afterAll(async () => {
      for (const w of extra.workers) w.shutdown();
      await Promise.all(extra.running);
      await extra.connection?.close();
      await stack?.stop();
      for (const k of CREDENTIAL_VARS) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
    });

    const historyOf = async (workflowId: string) =>
      historyToJSON(await stack.client.workflow.getHandle(workflowId).fetchHistory());

    it('a migration run while the environment holds an API key and TLS files records none of them', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'liveshift-secrets-'));
      const pem = (kind: string, name: string) => {
        const path = join(dir, `${MARKER}.${name}`);
        writeFileSync(path, `-----BEGIN ${kind}-----\n${b64(`${MARKER}:${name}`)}\n${MARKER}\n-----END ${kind}-----\n`);
        return path;
      };
      process.env.TEMPORAL_API_KEY = MARKER;
      process.env.TEMPORAL_TLS_CERT = pem('CERTIFICATE', 'crt');
      process.env.TEMPORAL_TLS_KEY = pem('PRIVATE KEY', 'key');
      process.env.TEMPORAL_TLS_CA = pem('CERTIFICATE', 'ca');
      process.env.TEMPORAL_TLS_SERVER_NAME = `${MARKER}.internal`;
      // The environment is live: the configuration picks all of it up.
      const options = clientConnectionOptions(loadConfig());
      expect(options.apiKey).toBe(MARKER);
      expect(typeof options.tls === 'object' && Buffer.from(options.tls!.clientCertPair!.key).toString()).toContain(
        'PRIVATE KEY',
      );

      const result = await stack.migrate({ vm: 'vm-1', to: 'host-b' });
      expect(result.outcome).toBe('migrated');
      const history = await historyOf(result.workflowId);
      expect(history).toContain('VBD_attach'); // the scan reads a real migration's history
      expect(credentialsIn(history)).toEqual([]);
    });

    it('a migration started by the CLI over an API-key connection (flags override the environment) records none of it', async () => {
      // A host worker connected with the API key too (plaintext: the test server has no TLS).
      const workerConfig = loadConfig({ TEMPORAL_ADDRESS: address, TEMPORAL_API_KEY: MARKER, TEMPORAL_TLS: 'false' });
      const native = nativeConnectionOptions(workerConfig);
      expect(native).toMatchObject({ apiKey: MARKER, tls: false });
      extra.connection = await NativeConnection.connect(native);
      for (const host of ['host-a', 'host-b']) {
        const worker = await createHostWorker({
          connection: extra.connection,
          namespace: 'default',
          toolstack: SimPool.open(stack.stateFile),
          host,
        });
        extra.workers.push(worker);
        extra.running.push(worker.run());
      }

      const env = {
        ...Object.fromEntries(CREDENTIAL_VARS.map((k) => [k, ''])), // unset the TLS files of the previous test
        LIVESHIFT_STATE: stack.stateFile,
        TEMPORAL_ADDRESS: '127.0.0.1:1', // overridden by --address
        TEMPORAL_NAMESPACE: 'nowhere', // overridden by --namespace
        TEMPORAL_API_KEY: MARKER,
        TEMPORAL_TLS: 'false',
      };
      const run = await liveshift(
        [
          '--address',
          address,
          '--namespace',
          'default',
          'migrate',
          'vm-1',
          '--to',
          'host-a',
          '--plan',
          'legacy',
          '--json',
        ],
        env,
      );
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const result = migrationResultSchema.parse(JSON.parse(run.stdout));
      expect(result.outcome).toBe('migrated');
      expect(run.stdout).not.toContain(MARKER);

      const history = await historyOf(result.workflowId);
      // The history was really scanned: it holds the migration's atoms (the downtime's inside payloads).
      expect(historyTexts(history).join('\n')).toContain('"atom":"VM_unpause"');
      expect(credentialsIn(history)).toEqual([]);
    });

    it('an API key without TEMPORAL_TLS=false means TLS: the plaintext server is refused in one line that does not show the key', async () => {
      // NODE_NO_WARNINGS: grpc-js warns (DEP0123) about TLS to an IP address with no server name.
      const env = {
        ...Object.fromEntries(CREDENTIAL_VARS.map((k) => [k, ''])),
        LIVESHIFT_STATE: stack.stateFile,
        TEMPORAL_API_KEY: MARKER,
        NODE_NO_WARNINGS: '1',
      };
      const run = await liveshift(['--address', address, 'list'], env);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(
        new RegExp(`^liveshift: cannot reach Temporal at ${address.replace(/\./g, '\\.')} \\(.*\\)`),
      );
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr + run.stdout).not.toContain(MARKER);
    });
  });
});
