// Temporal connection settings, read the way the Temporal CLI and SDKs read them, by
// @temporalio/envconfig: the TOML config file (TEMPORAL_CONFIG_FILE, else
// ~/.config/temporalio/temporal.toml), its profile (TEMPORAL_PROFILE, else `default`), then the
// standard TEMPORAL_* variables over it. liveshift adds what the SDK leaves out: one-line errors
// that never quote the file (it may hold an API key), refusals of contradictory settings instead of
// silently dropping one, and credentials wrapped in Secret. Certificate files are not read here
// but at connect time (workers/connection.ts), so an unreadable one is named there.
import { loadClientConfigProfile, type ClientConfigProfile, type ConfigDataSource } from '@temporalio/envconfig';
import { ConfigError, Secret } from './secret';
import {
  DEPRECATED_ALIASES,
  prepareEnv,
  type PemSource,
  type PreparedEnv,
  type TemporalSettings,
  type TlsSettings,
} from './temporal-env';

const DEFAULT_ADDRESS = 'localhost:7233';
const DEFAULT_NAMESPACE = 'default';
const DEFAULT_PROFILE = 'default';

/** Each TLS setting: its standard variables (path, then inline data) and its key in a TOML profile's [tls]. */
const TLS_FIELDS = {
  clientCert: { env: ['TEMPORAL_TLS_CLIENT_CERT_PATH', 'TEMPORAL_TLS_CLIENT_CERT_DATA'], toml: 'client_cert' },
  clientKey: { env: ['TEMPORAL_TLS_CLIENT_KEY_PATH', 'TEMPORAL_TLS_CLIENT_KEY_DATA'], toml: 'client_key' },
  serverCACert: {
    env: ['TEMPORAL_TLS_SERVER_CA_CERT_PATH', 'TEMPORAL_TLS_SERVER_CA_CERT_DATA'],
    toml: 'server_ca_cert',
  },
  serverName: { env: ['TEMPORAL_TLS_SERVER_NAME'], toml: 'server_name' },
} as const;
type TlsField = keyof typeof TLS_FIELDS;

interface Loading extends PreparedEnv {
  profileName: string | undefined;
}

const fileLabel = (env: Record<string, string>) => env.TEMPORAL_CONFIG_FILE ?? '~/.config/temporalio/temporal.toml';
const profileLabel = (l: Loading) => `profile "${l.profileName ?? DEFAULT_PROFILE}" of ${fileLabel(l.env)}`;

/** The name the user gave a TLS setting: the variable as they spelt it (alias included), else the TOML key. */
function settingName(l: Loading, field: TlsField, source?: ConfigDataSource): string {
  const fromEnv = TLS_FIELDS[field].env.find((name) => l.env[name] !== undefined);
  if (fromEnv !== undefined) return l.aliasesUsed.find((alias) => DEPRECATED_ALIASES[alias] === fromEnv) ?? fromEnv;
  const suffix = source === undefined ? '' : 'path' in source ? '_path' : '_data';
  return `${profileLabel(l)}: tls.${TLS_FIELDS[field].toml}${suffix}`;
}

/** The certificate's name for the key's and back, in the family the user used. */
const counterpart = (name: string) =>
  name.replace(/(CERT|KEY|cert|key)(?=(_PATH|_DATA|_path|_data)?$)/, (m) =>
    m === 'CERT' ? 'KEY' : m === 'KEY' ? 'CERT' : m === 'cert' ? 'key' : 'cert',
  );

function pem(l: Loading, field: TlsField, source: ConfigDataSource | undefined): PemSource | undefined {
  if (source === undefined) return undefined;
  const setting = settingName(l, field, source);
  if ('path' in source) return { setting, path: source.path };
  return {
    setting,
    data: new Secret(typeof source.data === 'string' ? source.data : Buffer.from(source.data).toString()),
  };
}

/** The profile as envconfig merges it, with its failures as one line that never quotes the file. */
function loadProfile(l: Loading, envOnly: boolean): ClientConfigProfile {
  const load = (disableFile: boolean) => loadClientConfigProfile({ overrideEnvVars: l.env, disableFile });
  try {
    return load(envOnly);
  } catch (err) {
    const e = err as Error & { code?: string; line?: number; column?: number };
    const file = fileLabel(l.env);
    // A file with no [profile.*] table at all (an empty one): as if absent, unless a profile was asked for.
    if (e instanceof TypeError && l.profileName === undefined) return load(true);
    if (e instanceof TypeError || /^Profile '.*' not found/.test(e.message))
      throw new ConfigError(`TEMPORAL_PROFILE=${l.profileName}: no such profile in ${file}`);
    if (e.code !== undefined) throw new ConfigError(`cannot read ${file} (${e.code})`);
    if (e.line !== undefined)
      throw new ConfigError(`${file} line ${e.line} column ${e.column ?? 0}: ${e.message.split('\n')[0]}`);
    throw new ConfigError(`${file}: ${e.message.split('\n')[0]}`);
  }
}

/** TLS from the merged profile: false when off, refusing a half client pair and "off, but with files". */
function tlsSettings(l: Loading, profile: ClientConfigProfile): false | TlsSettings {
  const tls = profile.tls ?? {};
  const cert = pem(l, 'clientCert', tls.clientCert);
  const key = pem(l, 'clientKey', tls.clientKey);
  const serverCA = pem(l, 'serverCACert', tls.serverCACert);
  const serverName = tls.serverName;
  if ((cert === undefined) !== (key === undefined)) {
    const set = (cert ?? key)!.setting;
    const missing = counterpart(set).split(': ').pop()!; // a TOML key without its profile again
    throw new ConfigError(
      `${set} is set without ${missing}: mTLS needs both the client certificate and its key (or neither)`,
    );
  }
  const configured =
    cert?.setting ?? serverCA?.setting ?? (serverName !== undefined ? settingName(l, 'serverName') : undefined);
  if (tls.disabled === true) {
    const off = l.env.TEMPORAL_TLS !== undefined ? 'TEMPORAL_TLS=false' : `${profileLabel(l)}: tls.disabled = true`;
    if (configured !== undefined) throw new ConfigError(`${off} contradicts ${configured}: unset one of them`);
    return false;
  }
  // As the SDK decides: TLS when asked for, when anything TLS is configured, or for an API key.
  if (profile.tls === undefined && profile.apiKey === undefined) return false;
  return {
    ...(cert && key ? { clientCert: { cert, key } } : {}),
    ...(serverCA ? { serverCA } : {}),
    ...(serverName !== undefined ? { serverName } : {}),
  };
}

export interface TemporalLoad {
  settings: TemporalSettings;
  aliasesUsed: PreparedEnv['aliasesUsed'];
}

/** The connection settings from `raw` (and, unless `envOnly`, the TOML config file), or a one-line ConfigError. */
export function loadTemporalSettings(raw: NodeJS.ProcessEnv, envOnly = false): TemporalLoad {
  const prepared = prepareEnv(raw);
  const l: Loading = { ...prepared, profileName: envOnly ? undefined : prepared.env.TEMPORAL_PROFILE };
  const profile = loadProfile(l, envOnly);
  const grpcMeta = Object.entries(profile.grpcMeta ?? {}).map(([k, v]): [string, Secret] => [k, new Secret(v)]);
  const settings: TemporalSettings = {
    address: profile.address ?? DEFAULT_ADDRESS,
    namespace: profile.namespace ?? DEFAULT_NAMESPACE,
    ...(l.profileName !== undefined ? { profile: l.profileName } : {}),
    tls: tlsSettings(l, profile),
    apiKey: profile.apiKey === undefined || profile.apiKey === '' ? undefined : new Secret(profile.apiKey),
    ...(grpcMeta.length > 0 ? { grpcMeta: Object.fromEntries(grpcMeta) } : {}),
  };
  return { settings, aliasesUsed: prepared.aliasesUsed };
}
