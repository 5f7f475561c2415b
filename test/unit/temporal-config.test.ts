// The Temporal connection is read as the Temporal CLI and SDKs read it (@temporalio/envconfig): the
// standard variable names, a TOML config file and its profiles, the variables over the profile. The
// deprecated liveshift names map onto the standard ones; contradictions are one-line errors that
// never quote a credential.
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FailureType, LiveshiftError } from '../../domain/errors';
import { loadConfig } from '../../workers/config';
import { clientConnectionOptions, connectionFailure, nativeConnectionOptions } from '../../workers/connection';
import { deprecationNote, temporalEnv } from '../../workers/temporal-env';

const API_KEY = `key-${randomUUID()}`;
const dir = mkdtempSync(join(tmpdir(), 'liveshift-envconfig-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const CERT = file('client.crt', '-----BEGIN CERTIFICATE-----\nY2VydA==\n-----END CERTIFICATE-----\n');
const KEY = file('client.key', '-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n');
const CA = file('ca.pem', '-----BEGIN CERTIFICATE-----\nY2E=\n-----END CERTIFICATE-----\n');
const TOML = file(
  'temporal.toml',
  `[profile.default]
address = "default.example:7233"

[profile.staging]
address = "staging.example:7233"
namespace = "staging"
api_key = "${API_KEY}"

[profile.staging.tls]
client_cert_path = "${CERT}"
client_key_path = "${KEY}"
server_ca_cert_path = "${CA}"
server_name = "temporal.staging"

[profile.halfpair.tls]
client_cert_path = "${CERT}"

[profile.off.tls]
disabled = true
server_ca_cert_path = "${CA}"
`,
);

function configError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(LiveshiftError);
    expect((err as LiveshiftError).type).toBe(FailureType.BadRequest);
    const message = (err as Error).message;
    expect(message).not.toMatch(/[\r\n]/);
    expect(message).not.toContain(API_KEY);
    return message;
  }
  throw new Error('expected a configuration error');
}

const pemBytes = (b: Uint8Array | undefined) => Buffer.from(b ?? []).toString();

describe('standard variable names', () => {
  it('TEMPORAL_TLS_CLIENT_CERT_PATH, _KEY_PATH, _SERVER_CA_CERT_PATH and _SERVER_NAME give mTLS', () => {
    const cfg = loadConfig({
      TEMPORAL_ADDRESS: 'tmprl.example:7233',
      TEMPORAL_TLS_CLIENT_CERT_PATH: CERT,
      TEMPORAL_TLS_CLIENT_KEY_PATH: KEY,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: CA,
      TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
    });
    for (const options of [clientConnectionOptions(cfg), nativeConnectionOptions(cfg)]) {
      const tls = options.tls;
      if (typeof tls !== 'object' || tls === null) throw new Error('expected TLS');
      expect(tls.serverNameOverride).toBe('temporal.internal');
      expect(pemBytes(tls.serverRootCACertificate)).toContain('Y2E=');
      expect(pemBytes(tls.clientCertPair?.key)).toContain('c2VjcmV0');
    }
  });

  it('inline PEM (_DATA) works too, and prints as [redacted]', () => {
    const cfg = loadConfig({
      TEMPORAL_TLS_CLIENT_CERT_DATA: '-----BEGIN CERTIFICATE-----\nZGF0YQ==\n-----END CERTIFICATE-----',
      TEMPORAL_TLS_CLIENT_KEY_DATA: '-----BEGIN PRIVATE KEY-----\nxyz\n-----END PRIVATE KEY-----',
    });
    const tls = clientConnectionOptions(cfg).tls;
    if (typeof tls !== 'object' || tls === null) throw new Error('expected TLS');
    expect(pemBytes(tls.clientCertPair?.crt)).toContain('ZGF0YQ==');
    expect(JSON.stringify(cfg)).not.toMatch(/ZGF0YQ|xyz/);
  });

  it('name the standard variables in their errors', () => {
    expect(configError(() => loadConfig({ TEMPORAL_TLS_CLIENT_KEY_PATH: KEY }))).toMatch(
      /^configuration: TEMPORAL_TLS_CLIENT_KEY_PATH is set without TEMPORAL_TLS_CLIENT_CERT_PATH: /,
    );
    expect(configError(() => loadConfig({ TEMPORAL_TLS: 'off', TEMPORAL_TLS_SERVER_CA_CERT_PATH: CA }))).toBe(
      'configuration: TEMPORAL_TLS=false contradicts TEMPORAL_TLS_SERVER_CA_CERT_PATH: unset one of them',
    );
    expect(configError(() => clientConnectionOptions(loadConfig({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: dir })))).toBe(
      `configuration: cannot read TEMPORAL_TLS_SERVER_CA_CERT_PATH file ${dir} (EISDIR)`,
    );
  });

  it('refuse TEMPORAL_TLS_DISABLE_HOST_VERIFICATION=true, which the TypeScript SDK cannot honour', () => {
    expect(configError(() => loadConfig({ TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: 'true' }))).toMatch(
      /TEMPORAL_TLS_DISABLE_HOST_VERIFICATION=true is not supported by the TypeScript SDK/,
    );
    expect(loadConfig({ TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: 'false' }).tls).toBe(false);
  });

  it('pass TEMPORAL_GRPC_META_* headers to both connections and redact them in failures', () => {
    const cfg = loadConfig({ TEMPORAL_GRPC_META_X_TOKEN: API_KEY, TEMPORAL_TLS: 'false' });
    expect(clientConnectionOptions(cfg).metadata).toEqual({ 'x-token': API_KEY });
    expect(nativeConnectionOptions(cfg).metadata).toEqual({ 'x-token': API_KEY });
    expect(JSON.stringify(cfg)).not.toContain(API_KEY);
    expect(connectionFailure(new Error(`bad header ${API_KEY}`), cfg)).toBe('bad header [redacted]');
  });
});

describe('deprecated names', () => {
  it('map onto the standard ones', () => {
    const old = loadConfig({ TEMPORAL_TLS_CERT: CERT, TEMPORAL_TLS_KEY: KEY, TEMPORAL_TLS_CA: CA });
    const standard = loadConfig({
      TEMPORAL_TLS_CLIENT_CERT_PATH: CERT,
      TEMPORAL_TLS_CLIENT_KEY_PATH: KEY,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: CA,
    });
    expect(clientConnectionOptions(old)).toEqual(clientConnectionOptions(standard));
    expect(loadConfig({ TEMPORAL_TLS_CA: CA, TEMPORAL_TLS_SERVER_CA_CERT_PATH: CA }).tls).not.toBe(false);
  });

  it('refuse an old and a new name set to different values', () => {
    expect(configError(() => loadConfig({ TEMPORAL_TLS_CA: CA, TEMPORAL_TLS_SERVER_CA_CERT_PATH: CERT }))).toBe(
      'configuration: TEMPORAL_TLS_CA (deprecated) and TEMPORAL_TLS_SERVER_CA_CERT_PATH are both set, to different values: unset TEMPORAL_TLS_CA',
    );
  });

  it('are told in one line naming the replacements', () => {
    expect(deprecationNote(['TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_CA'])).toBe(
      'liveshift: deprecated: TEMPORAL_TLS_CERT (use TEMPORAL_TLS_CLIENT_CERT_PATH), TEMPORAL_TLS_CA (use TEMPORAL_TLS_SERVER_CA_CERT_PATH)',
    );
  });
});

describe('TOML config file and profiles', () => {
  it('TEMPORAL_PROFILE selects address, namespace, TLS and API key from TEMPORAL_CONFIG_FILE', () => {
    const cfg = loadConfig({ TEMPORAL_CONFIG_FILE: TOML, TEMPORAL_PROFILE: 'staging' });
    expect(cfg).toMatchObject({ address: 'staging.example:7233', namespace: 'staging', profile: 'staging' });
    expect(cfg.apiKey?.reveal()).toBe(API_KEY);
    const options = nativeConnectionOptions(cfg);
    expect(options.apiKey).toBe(API_KEY);
    if (typeof options.tls !== 'object' || options.tls === null) throw new Error('expected TLS');
    expect(options.tls.serverNameOverride).toBe('temporal.staging');
    expect(pemBytes(options.tls.clientCertPair?.crt)).toContain('Y2VydA==');
    expect(JSON.stringify(cfg)).not.toContain(API_KEY);
  });

  it('the profile `default` without TEMPORAL_PROFILE; variables override the profile', () => {
    expect(loadConfig({ TEMPORAL_CONFIG_FILE: TOML })).toMatchObject({ address: 'default.example:7233', tls: false });
    const cfg = loadConfig({ TEMPORAL_CONFIG_FILE: TOML, TEMPORAL_PROFILE: 'staging', TEMPORAL_ADDRESS: 'x:1' });
    expect(cfg).toMatchObject({ address: 'x:1', namespace: 'staging' });
  });

  it('the default file is ~/.config/temporalio/temporal.toml (or under XDG_CONFIG_HOME)', () => {
    const home = mkdtempSync(join(tmpdir(), 'liveshift-home-'));
    mkdirSync(join(home, '.config', 'temporalio'), { recursive: true });
    writeFileSync(join(home, '.config', 'temporalio', 'temporal.toml'), '[profile.default]\nnamespace = "home"\n');
    expect(loadConfig({ HOME: home }).namespace).toBe('home');
    expect(loadConfig({ XDG_CONFIG_HOME: join(home, '.config') }).namespace).toBe('home');
    // The stack's own processes get their whole connection in the environment: the file is not read.
    expect(loadConfig({ HOME: home, LIVESHIFT_TEMPORAL_ENV_ONLY: '1' }).namespace).toBe('default');
  });

  it('an empty or absent file means no profile; asking for a missing profile is an error', () => {
    expect(loadConfig({ TEMPORAL_CONFIG_FILE: file('empty.toml', '') }).address).toBe('localhost:7233');
    expect(loadConfig({ TEMPORAL_CONFIG_FILE: join(dir, 'absent.toml') }).address).toBe('localhost:7233');
    expect(configError(() => loadConfig({ TEMPORAL_CONFIG_FILE: TOML, TEMPORAL_PROFILE: 'prod' }))).toBe(
      `configuration: TEMPORAL_PROFILE=prod: no such profile in ${TOML}`,
    );
  });

  it('a broken file is one line that does not quote it (it may hold an API key)', () => {
    const broken = file('broken.toml', `[profile.default]\napi_key = ${API_KEY}\n`);
    expect(configError(() => loadConfig({ TEMPORAL_CONFIG_FILE: broken }))).toMatch(
      new RegExp(`^configuration: ${broken} line 2 column \\d+: Invalid TOML document`),
    );
    expect(configError(() => loadConfig({ TEMPORAL_CONFIG_FILE: dir }))).toBe(
      `configuration: cannot read ${dir} (EISDIR)`,
    );
  });

  it("a profile's contradictions name its keys", () => {
    expect(configError(() => loadConfig({ TEMPORAL_CONFIG_FILE: TOML, TEMPORAL_PROFILE: 'halfpair' }))).toBe(
      `configuration: profile "halfpair" of ${TOML}: tls.client_cert_path is set without tls.client_key_path: mTLS needs both the client certificate and its key (or neither)`,
    );
    expect(configError(() => loadConfig({ TEMPORAL_CONFIG_FILE: TOML, TEMPORAL_PROFILE: 'off' }))).toMatch(
      /tls\.disabled = true contradicts .*tls\.server_ca_cert_path: unset one of them$/,
    );
  });
});

describe('temporalEnv', () => {
  it('reproduces the settings for a process reading the environment only', () => {
    const cfg = loadConfig({ TEMPORAL_CONFIG_FILE: TOML, TEMPORAL_PROFILE: 'staging', TEMPORAL_GRPC_META_X_A: 'b' });
    const env = temporalEnv(cfg);
    expect(env).toMatchObject({ LIVESHIFT_TEMPORAL_ENV_ONLY: '1', TEMPORAL_TLS_CLIENT_CERT_PATH: CERT });
    const again = loadConfig({ ...env, TEMPORAL_CONFIG_FILE: TOML, TEMPORAL_PROFILE: 'default' });
    expect(clientConnectionOptions(again)).toEqual(clientConnectionOptions(cfg));
    expect(again.namespace).toBe('staging');
    expect(temporalEnv(loadConfig({}))).toMatchObject({ TEMPORAL_ADDRESS: 'localhost:7233', TEMPORAL_TLS: 'false' });
  });
});
