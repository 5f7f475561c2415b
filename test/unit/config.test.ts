// Connection settings come from the environment: defaults, TLS (both-or-neither client pair, API key
// implies TLS), files read with one-line errors naming them, and no error message or printed
// configuration ever carrying the API key or key material. These cases use the deprecated names of
// earlier releases, which keep working (test/unit/temporal-config.test.ts: the standard names,
// profiles and the config file).
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { connectClient } from '../../cli/context';
import { FailureType, LiveshiftError } from '../../domain/errors';
import { DEFAULT_STATE_FILE, loadConfig, Secret, withoutCredentials } from '../../workers/config';
import { advertised } from '../../workers/host-agent';
import { clientConnectionOptions, connectionFailure, nativeConnectionOptions } from '../../workers/connection';

const API_KEY = `key-${randomUUID()}`;
const KEY_BODY = `private-${randomUUID()}`;
const dir = mkdtempSync(join(tmpdir(), 'liveshift-config-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const CERT = file('client.crt', '-----BEGIN CERTIFICATE-----\nY2VydA==\n-----END CERTIFICATE-----\n');
const KEY = file('client.key', `-----BEGIN PRIVATE KEY-----\n${KEY_BODY}\n-----END PRIVATE KEY-----\n`);
const CA = file('ca.pem', '-----BEGIN CERTIFICATE-----\nY2E=\n-----END CERTIFICATE-----\n');
const EMPTY = file('empty.pem', '');
const DIRECTORY = join(dir, 'a-directory');
mkdirSync(DIRECTORY);
const MISSING = join(dir, 'missing.pem');

/** The one-line error `fn` throws. */
function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    if (err instanceof Error) return err;
    throw err;
  }
  throw new Error('expected an error');
}

/** A one-line configuration error (bad input) matching `pattern`. */
function expectConfigError(fn: () => unknown, pattern: RegExp): void {
  const err = errorOf(fn);
  expect(err).toBeInstanceOf(LiveshiftError);
  expect((err as LiveshiftError).type).toBe(FailureType.BadRequest);
  expect(err.message).toMatch(pattern);
  expect(err.message).not.toMatch(/[\r\n]/);
}

const expectOneLineWithoutSecrets = (err: Error) => {
  expect(err.message).not.toMatch(/[\r\n]/);
  expect(err.message).not.toContain(API_KEY);
  expect(err.message).not.toContain(KEY_BODY);
  expect(err.message).not.toMatch(/BEGIN|PRIVATE KEY/);
};

describe('loadConfig', () => {
  it('defaults to a plaintext local server with no credential', () => {
    expect(loadConfig({})).toEqual({
      address: 'localhost:7233',
      namespace: 'default',
      stateFile: DEFAULT_STATE_FILE,
      logLevel: 'WARN',
      tls: false,
      apiKey: undefined,
      agent: { bind: '127.0.0.1', port: 0, token: undefined },
    });
    expect(clientConnectionOptions(loadConfig({}))).toEqual({ address: 'localhost:7233', tls: false });
    expect(nativeConnectionOptions(loadConfig({}))).toEqual({ address: 'localhost:7233', tls: false });
  });

  it('reads address, namespace and state file, and treats empty variables as unset', () => {
    const cfg = loadConfig({
      TEMPORAL_ADDRESS: 'temporal.example:7233',
      TEMPORAL_NAMESPACE: 'prod',
      LIVESHIFT_STATE: '/var/lib/pool.db',
      TEMPORAL_TLS_CA: '',
      TEMPORAL_API_KEY: '',
      TEMPORAL_TLS: ' ',
      LIVESHIFT_AGENT_TOKEN: '',
    });
    expect(cfg).toEqual({
      address: 'temporal.example:7233',
      namespace: 'prod',
      stateFile: '/var/lib/pool.db',
      logLevel: 'WARN',
      tls: false,
      apiKey: undefined,
      agent: { bind: '127.0.0.1', port: 0, token: undefined },
    });
  });

  it('keeps the host agent on loopback unless a token lets it authenticate callers', () => {
    expect(loadConfig({ LIVESHIFT_AGENT_BIND: '::1', LIVESHIFT_AGENT_PORT: '7400' }).agent).toMatchObject({
      bind: '::1',
      port: 7400,
    });
    expectConfigError(
      () => loadConfig({ LIVESHIFT_AGENT_BIND: '0.0.0.0' }),
      /LIVESHIFT_AGENT_BIND=0\.0\.0\.0 is not a loopback address: set LIVESHIFT_AGENT_TOKEN/,
    );
    const open = loadConfig({ LIVESHIFT_AGENT_BIND: '0.0.0.0', LIVESHIFT_AGENT_TOKEN: 'agent-secret-1' });
    expect(open.agent.bind).toBe('0.0.0.0');
    expect(open.agent.token?.reveal()).toBe('agent-secret-1');
    expect(JSON.stringify(open)).not.toContain('agent-secret-1');
    expectConfigError(() => loadConfig({ LIVESHIFT_AGENT_PORT: '70000' }), /LIVESHIFT_AGENT_PORT/);
  });

  it('registers an agent under its advertised name (a container bound to 0.0.0.0)', () => {
    expect(loadConfig({}).agent.advertise).toBeUndefined();
    const env = { LIVESHIFT_AGENT_BIND: '0.0.0.0', LIVESHIFT_AGENT_TOKEN: 't', LIVESHIFT_AGENT_ADVERTISE: 'host-a' };
    expect(loadConfig(env).agent.advertise).toBe('host-a');
    expect(advertised('http://0.0.0.0:7300', 'host-a')).toBe('http://host-a:7300');
    expect(advertised('http://[::]:7300', 'host-b.pool.internal')).toBe('http://host-b.pool.internal:7300');
  });

  it.each([
    [
      'certificate without key',
      { TEMPORAL_TLS_CERT: CERT },
      /^configuration: TEMPORAL_TLS_CERT is set without TEMPORAL_TLS_KEY/,
    ],
    [
      'key without certificate',
      { TEMPORAL_TLS_KEY: KEY },
      /^configuration: TEMPORAL_TLS_KEY is set without TEMPORAL_TLS_CERT/,
    ],
    [
      'TLS off with a CA',
      { TEMPORAL_TLS: 'false', TEMPORAL_TLS_CA: CA },
      /^configuration: TEMPORAL_TLS=false contradicts TEMPORAL_TLS_CA/,
    ],
    [
      'TLS off with a client pair',
      { TEMPORAL_TLS: '0', TEMPORAL_TLS_CERT: CERT, TEMPORAL_TLS_KEY: KEY },
      /TEMPORAL_TLS=false contradicts TEMPORAL_TLS_CERT/,
    ],
    [
      'a TLS flag that is not a boolean',
      { TEMPORAL_TLS: 'maybe' },
      /^configuration: TEMPORAL_TLS: expected 1\/true or 0\/false$/,
    ],
    ['an empty address', { TEMPORAL_ADDRESS: '' }, /^configuration: TEMPORAL_ADDRESS: /],
  ])('refuses %s in one line, as bad input, never echoing the API key', (_name, env, message) => {
    const err = errorOf(() => loadConfig({ ...env, TEMPORAL_API_KEY: API_KEY }));
    expect(err.message).toMatch(message);
    expect(err).toBeInstanceOf(LiveshiftError);
    expect((err as LiveshiftError).type).toBe(FailureType.BadRequest);
    expectOneLineWithoutSecrets(err);
  });

  it('takes TEMPORAL_TLS=1/true for TLS with the system roots', () => {
    for (const value of ['1', 'true', 'TRUE', 'yes']) {
      const cfg = loadConfig({ TEMPORAL_TLS: value });
      expect(cfg.tls).toEqual({ clientCert: undefined, caFile: undefined, serverName: undefined });
      expect(clientConnectionOptions(cfg).tls).toEqual({});
    }
    expect(loadConfig({ TEMPORAL_TLS: 'false' }).tls).toBe(false);
  });

  it('turns TLS on for any TLS file or server name', () => {
    expect(loadConfig({ TEMPORAL_TLS_CA: CA }).tls).not.toBe(false);
    expect(loadConfig({ TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' }).tls).not.toBe(false);
    expect(loadConfig({ TEMPORAL_TLS_CERT: CERT, TEMPORAL_TLS_KEY: KEY }).tls).toEqual({
      clientCert: {
        cert: { setting: 'TEMPORAL_TLS_CERT', path: CERT },
        key: { setting: 'TEMPORAL_TLS_KEY', path: KEY },
      },
    });
  });

  it('an API key implies TLS, unless TEMPORAL_TLS=false says otherwise', () => {
    const cfg = loadConfig({ TEMPORAL_API_KEY: API_KEY });
    expect(cfg.tls).not.toBe(false);
    expect(clientConnectionOptions(cfg)).toEqual({ address: 'localhost:7233', tls: {}, apiKey: API_KEY });
    expect(nativeConnectionOptions(cfg)).toEqual({ address: 'localhost:7233', tls: {}, apiKey: API_KEY });

    const plain = loadConfig({ TEMPORAL_API_KEY: API_KEY, TEMPORAL_TLS: 'false' });
    expect(plain.tls).toBe(false);
    // tls: false explicitly, or the SDK would turn TLS on by itself because of the API key.
    expect(clientConnectionOptions(plain)).toEqual({ address: 'localhost:7233', tls: false, apiKey: API_KEY });
    expect(nativeConnectionOptions(plain)).toEqual({ address: 'localhost:7233', tls: false, apiKey: API_KEY });
  });

  it('never prints the API key: JSON, String, util.inspect and template strings show [redacted]', () => {
    const cfg = loadConfig({ TEMPORAL_API_KEY: API_KEY, TEMPORAL_TLS_CERT: CERT, TEMPORAL_TLS_KEY: KEY });
    expect(cfg.apiKey).toBeInstanceOf(Secret);
    expect(cfg.apiKey?.reveal()).toBe(API_KEY);
    for (const printed of [
      JSON.stringify(cfg),
      inspect(cfg, { depth: 10 }),
      String(cfg.apiKey),
      `${cfg.apiKey?.toString()}`,
      JSON.stringify({ config: cfg }),
    ]) {
      expect(printed).not.toContain(API_KEY);
      expect(printed).not.toContain(KEY_BODY);
    }
    expect(JSON.parse(JSON.stringify(cfg))).toMatchObject({ apiKey: '[redacted]', address: 'localhost:7233' });
  });

  it('withoutCredentials leaves a plaintext, credential-free environment for the embedded server', () => {
    const env = {
      PATH: '/bin',
      TEMPORAL_ADDRESS: 'x:1',
      TEMPORAL_API_KEY: API_KEY,
      TEMPORAL_TLS: '1',
      TEMPORAL_TLS_CERT: CERT,
      TEMPORAL_TLS_KEY: KEY,
      TEMPORAL_TLS_CA: CA,
      TEMPORAL_TLS_SERVER_NAME: 'n',
    };
    expect(withoutCredentials(env)).toEqual({ PATH: '/bin', TEMPORAL_ADDRESS: 'x:1' });
    expect(env.TEMPORAL_API_KEY).toBe(API_KEY); // a copy
    expect(loadConfig(withoutCredentials(env))).toMatchObject({ tls: false, apiKey: undefined });
  });
});

describe('connection options', () => {
  it('read the TLS files into the SDK shape (mTLS pair, CA, server name)', () => {
    const cfg = loadConfig({
      TEMPORAL_ADDRESS: 'tmprl.example:7233',
      TEMPORAL_TLS_CERT: CERT,
      TEMPORAL_TLS_KEY: KEY,
      TEMPORAL_TLS_CA: CA,
      TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
    });
    for (const options of [clientConnectionOptions(cfg), nativeConnectionOptions(cfg)]) {
      expect(options.address).toBe('tmprl.example:7233');
      expect(options).not.toHaveProperty('apiKey');
      const tls = options.tls;
      if (typeof tls !== 'object' || tls === null) throw new Error('expected a TLS configuration');
      expect(tls.serverNameOverride).toBe('temporal.internal');
      expect(Buffer.from(tls.serverRootCACertificate!).toString()).toContain('Y2E=');
      expect(Buffer.from(tls.clientCertPair!.crt).toString()).toContain('BEGIN CERTIFICATE');
      expect(Buffer.from(tls.clientCertPair!.key).toString()).toContain(KEY_BODY);
    }
  });

  it.each([
    [
      'a missing CA file',
      { TEMPORAL_TLS_CA: MISSING },
      `configuration: cannot read TEMPORAL_TLS_CA file ${MISSING} (ENOENT)`,
    ],
    [
      'a missing client certificate',
      { TEMPORAL_TLS_CERT: MISSING, TEMPORAL_TLS_KEY: KEY },
      `configuration: cannot read TEMPORAL_TLS_CERT file ${MISSING} (ENOENT)`,
    ],
    [
      'a key path that is a directory',
      { TEMPORAL_TLS_CERT: CERT, TEMPORAL_TLS_KEY: DIRECTORY },
      `configuration: cannot read TEMPORAL_TLS_KEY file ${DIRECTORY} (EISDIR)`,
    ],
    ['an empty CA file', { TEMPORAL_TLS_CA: EMPTY }, `configuration: TEMPORAL_TLS_CA file ${EMPTY} is empty`],
  ])('refuse %s with one line naming the variable and the file', (_name, env, message) => {
    const cfg = loadConfig({ ...env, TEMPORAL_API_KEY: API_KEY });
    for (const build of [clientConnectionOptions, nativeConnectionOptions]) {
      const err = errorOf(() => build(cfg));
      expect(err.message).toBe(message);
      expect((err as LiveshiftError).type).toBe(FailureType.BadRequest);
      expectOneLineWithoutSecrets(err);
    }
  });
});

describe('connection failures', () => {
  it('are one line with the API key and PEM blocks redacted', () => {
    const cfg = loadConfig({ TEMPORAL_API_KEY: API_KEY });
    const sdkError = new Error(
      `rpc failed: bad header "Bearer ${API_KEY}"\n-----BEGIN PRIVATE KEY-----\n${KEY_BODY}\n-----END PRIVATE KEY-----\nmore`,
    );
    const line = connectionFailure(sdkError, cfg);
    expect(line).toBe('rpc failed: bad header "Bearer [redacted]"');
    expect(
      connectionFailure(
        new Error(`-----BEGIN PRIVATE KEY----- ${KEY_BODY} -----END PRIVATE KEY----- then ${API_KEY}`),
        cfg,
      ),
    ).toBe('[redacted] then [redacted]');
  });

  it('connectClient against an unreachable server with TLS and an API key: one line, no credential', async () => {
    const cfg = loadConfig({
      TEMPORAL_ADDRESS: '127.0.0.1:1',
      TEMPORAL_API_KEY: API_KEY,
      TEMPORAL_TLS_CERT: CERT,
      TEMPORAL_TLS_KEY: KEY,
      TEMPORAL_TLS_CA: CA,
    });
    const err = await connectClient(cfg).then(
      () => new Error('expected a connection failure'),
      (e: unknown) => e as Error,
    );
    expect(err.message).toMatch(/^cannot reach Temporal at 127\.0\.0\.1:1 \(/);
    expectOneLineWithoutSecrets(err);
  });
});
