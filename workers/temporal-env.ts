// The TEMPORAL_* environment variables, before @temporalio/envconfig reads them: liveshift's
// contract on top of the SDK's — an empty variable counts as unset, boolean values are checked
// (not read as "false" when misspelt), and the names of earlier liveshift releases still work as
// deprecated aliases of the standard ones. Also the reverse: the standard variables that reproduce
// given settings, for the processes the stack starts.
import { ConfigError, type Secret } from './secret';

/** Earlier liveshift names → the standard names (the Temporal CLI's and SDKs'). */
export const DEPRECATED_ALIASES = {
  TEMPORAL_TLS_CERT: 'TEMPORAL_TLS_CLIENT_CERT_PATH',
  TEMPORAL_TLS_KEY: 'TEMPORAL_TLS_CLIENT_KEY_PATH',
  TEMPORAL_TLS_CA: 'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
} as const;
type Alias = keyof typeof DEPRECATED_ALIASES;

/** Variables that make a connection use TLS or a credential, or that select them (profile, file). */
export const CREDENTIAL_VARIABLES = [
  'TEMPORAL_TLS',
  'TEMPORAL_TLS_CLIENT_CERT_PATH',
  'TEMPORAL_TLS_CLIENT_CERT_DATA',
  'TEMPORAL_TLS_CLIENT_KEY_PATH',
  'TEMPORAL_TLS_CLIENT_KEY_DATA',
  'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
  'TEMPORAL_TLS_SERVER_CA_CERT_DATA',
  'TEMPORAL_TLS_SERVER_NAME',
  'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION',
  'TEMPORAL_API_KEY',
  'TEMPORAL_PROFILE',
  'TEMPORAL_CONFIG_FILE',
  ...(Object.keys(DEPRECATED_ALIASES) as Alias[]),
] as const;
const GRPC_META_PREFIX = 'TEMPORAL_GRPC_META_';

/** `env` without those (nor gRPC headers): for processes that talk to the embedded (plaintext, local) dev server. */
export function withoutCredentials(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  for (const name of CREDENTIAL_VARIABLES) delete copy[name];
  for (const name of Object.keys(copy)) if (name.startsWith(GRPC_META_PREFIX)) delete copy[name];
  return copy;
}

const TRUE = ['1', 'true', 'yes', 'on'];
const FALSE = ['0', 'false', 'no', 'off'];
/** A boolean variable, or undefined when unset; anything else is refused rather than read as false. */
function flag(env: Record<string, string>, name: string): boolean | undefined {
  const value = env[name]?.trim().toLowerCase();
  if (value === undefined) return undefined;
  if (TRUE.includes(value)) return true;
  if (FALSE.includes(value)) return false;
  throw new ConfigError(`${name}: expected 1/true or 0/false`);
}

export interface PreparedEnv {
  /** What envconfig reads: non-empty values, aliases resolved, booleans spelt as it understands them. */
  env: Record<string, string>;
  /** The deprecated names that were set, and so now stand for their standard names. */
  aliasesUsed: Alias[];
}

/** `raw` ready for envconfig, or a one-line ConfigError. */
export function prepareEnv(raw: NodeJS.ProcessEnv): PreparedEnv {
  for (const name of ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE'])
    if (raw[name] !== undefined && raw[name].trim() === '') throw new ConfigError(`${name}: must not be empty`);
  // An empty variable counts as unset (`TEMPORAL_TLS_CA= liveshift ...`); envconfig would take it as set.
  const env = Object.fromEntries(
    Object.entries(raw).filter((e): e is [string, string] => e[1] !== undefined && e[1].trim() !== ''),
  );
  const aliasesUsed = (Object.keys(DEPRECATED_ALIASES) as Alias[]).filter((alias) => env[alias] !== undefined);
  for (const alias of aliasesUsed) {
    const standard = DEPRECATED_ALIASES[alias];
    if (env[standard] !== undefined && env[standard] !== env[alias])
      throw new ConfigError(`${alias} (deprecated) and ${standard} are both set, to different values: unset ${alias}`);
    env[standard] = env[alias]!;
    delete env[alias];
  }
  const tls = flag(env, 'TEMPORAL_TLS');
  if (tls !== undefined) env.TEMPORAL_TLS = String(tls);
  // The TypeScript SDK cannot skip host verification; silently verifying anyway would only confuse.
  if (flag(env, 'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION'))
    throw new ConfigError(
      'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION=true is not supported by the TypeScript SDK: ' +
        "set TEMPORAL_TLS_SERVER_NAME to a name in the server's certificate instead",
    );
  delete env.TEMPORAL_TLS_DISABLE_HOST_VERIFICATION;
  return { env, aliasesUsed };
}

/** The one line telling which deprecated names were used and what replaces them. */
export const deprecationNote = (aliases: readonly Alias[]): string =>
  `liveshift: deprecated: ${aliases.map((a) => `${a} (use ${DEPRECATED_ALIASES[a]})`).join(', ')}`;

let noted = false;
/** Writes the deprecation note on stderr, once per process however often the configuration is read. */
export function noteDeprecated(aliases: readonly Alias[]): void {
  if (noted || aliases.length === 0) return;
  noted = true;
  process.stderr.write(`${deprecationNote(aliases)}\n`);
}

/** A PEM file or inline PEM, with the setting that named it (for error messages). */
export type PemSource = { setting: string } & ({ path: string } | { data: Secret });

export interface TlsSettings {
  clientCert?: { cert: PemSource; key: PemSource };
  serverCA?: PemSource;
  serverName?: string;
}

/** Where and how to reach Temporal. */
export interface TemporalSettings {
  address: string;
  namespace: string;
  /** The TOML profile in use, when a config file provided one. */
  profile?: string;
  /** false: plaintext. Otherwise TLS, with mTLS when `clientCert` is set. Files are read at connect time. */
  tls: false | TlsSettings;
  /** Sent as `Authorization: Bearer ...`. */
  apiKey?: Secret;
  /** Extra gRPC headers (TEMPORAL_GRPC_META_*, a profile's grpc_meta); may carry credentials too. */
  grpcMeta?: Record<string, Secret>;
}

/**
 * The standard variables that reproduce `s` in a process reading them with the config file off
 * (LIVESHIFT_TEMPORAL_ENV_ONLY=1): how the stack hands its connection to the processes it starts.
 */
export function temporalEnv(s: TemporalSettings): Record<string, string> {
  const env: Record<string, string> = {
    TEMPORAL_ADDRESS: s.address,
    TEMPORAL_NAMESPACE: s.namespace,
    TEMPORAL_TLS: s.tls === false ? 'false' : 'true',
    LIVESHIFT_TEMPORAL_ENV_ONLY: '1',
  };
  const put = (prefix: string, source: PemSource | undefined) => {
    if (source === undefined) return;
    if ('path' in source) env[`${prefix}_PATH`] = source.path;
    else env[`${prefix}_DATA`] = source.data.reveal();
  };
  if (s.tls !== false) {
    put('TEMPORAL_TLS_CLIENT_CERT', s.tls.clientCert?.cert);
    put('TEMPORAL_TLS_CLIENT_KEY', s.tls.clientCert?.key);
    put('TEMPORAL_TLS_SERVER_CA_CERT', s.tls.serverCA);
    if (s.tls.serverName !== undefined) env.TEMPORAL_TLS_SERVER_NAME = s.tls.serverName;
  }
  if (s.apiKey !== undefined) env.TEMPORAL_API_KEY = s.apiKey.reveal();
  for (const [key, value] of Object.entries(s.grpcMeta ?? {}))
    env[`${GRPC_META_PREFIX}${key.toUpperCase().replace(/-/g, '_')}`] = value.reveal();
  return env;
}
