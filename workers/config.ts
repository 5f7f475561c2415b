// Process configuration: liveshift's own LIVESHIFT_* variables, parsed with zod at the boundary,
// and the Temporal connection, read as the Temporal CLI and SDKs read it (workers/temporal-config.ts:
// TOML profile, standard TEMPORAL_* variables, deprecated liveshift names). Connection credentials
// (TLS files, API key) come from there only (never from flags: those end up in shell history and
// `ps`); workers/connection.ts turns them into SDK connection options. None of them is ever part of
// a workflow or activity payload.
import { z } from 'zod';
import { zodMessage } from '../domain/zod-message';
import { ConfigError, Secret } from './secret';
import { loadTemporalSettings } from './temporal-config';
import { noteDeprecated, type TemporalSettings } from './temporal-env';

export { ConfigError, Secret } from './secret';
export { CREDENTIAL_VARIABLES, withoutCredentials, type TemporalSettings } from './temporal-env';

export const DEFAULT_STATE_FILE = '.liveshift/pool.db';
export const DEFAULT_POOL_FILE = 'examples/pool.yaml';

// An empty variable counts as unset (`LIVESHIFT_AGENT_TOKEN= liveshift ...`).
const unsetIfEmpty = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const FLAG_VALUES = ['1', 'true', 'yes', 'on', '0', 'false', 'no', 'off'] as const;
const TRUE: readonly string[] = FLAG_VALUES.slice(0, 4);
const flag = z
  .preprocess(
    (v) => (typeof v === 'string' ? unsetIfEmpty(v.trim().toLowerCase()) : v),
    z.enum(FLAG_VALUES, { errorMap: () => ({ message: 'expected 1/true or 0/false' }) }).optional(),
  )
  .transform((v) => v !== undefined && TRUE.includes(v));

const optional = z.preprocess(unsetIfEmpty, z.string().optional());
const secret = z
  .preprocess(unsetIfEmpty, z.string().optional())
  .transform((v) => (v === undefined ? undefined : new Secret(v)));

/** 127.0.0.0/8, ::1 and localhost: reachable from this machine only. */
export const isLoopback = (address: string): boolean =>
  /^127\.\d+\.\d+\.\d+$/.test(address) || address === '::1' || address === 'localhost';

const envObject = z.object({
  LIVESHIFT_STATE: z.string().min(1).default(DEFAULT_STATE_FILE),
  /** How much the Temporal runtime of a worker process logs (activity failures are WARN). */
  LIVESHIFT_LOG_LEVEL: z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']).default('WARN'),
  /** 1: the Temporal connection from the environment only, no TOML file (the stack's own processes). */
  LIVESHIFT_TEMPORAL_ENV_ONLY: flag,
  /** Where a host process's agent listens (agent/): loopback unless a token authenticates callers. */
  LIVESHIFT_AGENT_BIND: z.preprocess(unsetIfEmpty, z.string().default('127.0.0.1')),
  /** 0: any free port (the address is registered in the pool state either way). */
  LIVESHIFT_AGENT_PORT: z.preprocess(unsetIfEmpty, z.coerce.number().int().min(0).max(65535).default(0)),
  /**
   * The host name other processes reach the agent by, registered in the pool state instead of the
   * bind address: a container binds 0.0.0.0 and is reached by its service name.
   */
  LIVESHIFT_AGENT_ADVERTISE: optional,
  /** Required from callers when set; required to bind anything but loopback. */
  LIVESHIFT_AGENT_TOKEN: secret,
  /** Unset: no metrics endpoint. 0: any free port (printed at start; what `liveshift up` gives each process). */
  LIVESHIFT_METRICS_PORT: z.preprocess(unsetIfEmpty, z.coerce.number().int().min(0).max(65535).optional()),
  /** Where the metrics endpoint listens (metrics/endpoint.ts): loopback unless a token authenticates scrapers. */
  LIVESHIFT_METRICS_BIND: z.preprocess(unsetIfEmpty, z.string().default('127.0.0.1')),
  /** Required from scrapers when set; required to bind anything but loopback. */
  LIVESHIFT_METRICS_TOKEN: secret,
});

/** The standard Temporal connection variables liveshift reads (workers/temporal-config.ts). */
export const TEMPORAL_VARIABLES = [
  'TEMPORAL_ADDRESS',
  'TEMPORAL_NAMESPACE',
  'TEMPORAL_API_KEY',
  'TEMPORAL_TLS',
  'TEMPORAL_TLS_CLIENT_CERT_PATH',
  'TEMPORAL_TLS_CLIENT_KEY_PATH',
  'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
  'TEMPORAL_TLS_SERVER_NAME',
  'TEMPORAL_PROFILE',
  'TEMPORAL_CONFIG_FILE',
] as const;

/** Every variable a liveshift process reads. */
export const CONFIG_VARIABLES: string[] = [...TEMPORAL_VARIABLES, ...Object.keys(envObject.shape)];

/** What the stack sets for each process it starts (workers/stack.ts); the others keep their defaults. */
export const WORKER_ENV = ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'LIVESHIFT_STATE', 'LIVESHIFT_LOG_LEVEL'] as const;
export type WorkerEnv = Record<(typeof WORKER_ENV)[number], string>;

const envSchema = envObject
  .superRefine((e, ctx) => {
    const refuse = (message: string) => ctx.addIssue({ code: z.ZodIssueCode.custom, message });
    if (!isLoopback(e.LIVESHIFT_AGENT_BIND) && e.LIVESHIFT_AGENT_TOKEN === undefined)
      refuse(
        `LIVESHIFT_AGENT_BIND=${e.LIVESHIFT_AGENT_BIND} is not a loopback address: set LIVESHIFT_AGENT_TOKEN so the agent can authenticate its callers`,
      );
    if (e.LIVESHIFT_METRICS_PORT !== undefined && !isLoopback(e.LIVESHIFT_METRICS_BIND) && !e.LIVESHIFT_METRICS_TOKEN)
      refuse(
        `LIVESHIFT_METRICS_BIND=${e.LIVESHIFT_METRICS_BIND} is not a loopback address: set LIVESHIFT_METRICS_TOKEN so the metrics endpoint can authenticate its scrapers`,
      );
  })
  .transform((e) => ({
    stateFile: e.LIVESHIFT_STATE,
    logLevel: e.LIVESHIFT_LOG_LEVEL,
    temporalEnvOnly: e.LIVESHIFT_TEMPORAL_ENV_ONLY,
    agent: {
      bind: e.LIVESHIFT_AGENT_BIND,
      port: e.LIVESHIFT_AGENT_PORT,
      advertise: e.LIVESHIFT_AGENT_ADVERTISE,
      token: e.LIVESHIFT_AGENT_TOKEN,
    },
    /** Undefined: no metrics endpoint in this process. */
    metrics:
      e.LIVESHIFT_METRICS_PORT === undefined
        ? undefined
        : { bind: e.LIVESHIFT_METRICS_BIND, port: e.LIVESHIFT_METRICS_PORT, token: e.LIVESHIFT_METRICS_TOKEN },
  }));

/** The Temporal connection (address, namespace, TLS, API key) and liveshift's own settings. */
export type Config = TemporalSettings & Omit<z.output<typeof envSchema>, 'temporalEnvOnly'>;

/**
 * The configuration from the environment (and the Temporal config file); throws a one-line
 * ConfigError (never echoing a credential). Deprecated variable names get one note on stderr.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError(zodMessage(parsed.error));
  const { temporalEnvOnly, ...own } = parsed.data;
  const temporal = loadTemporalSettings(env, temporalEnvOnly);
  noteDeprecated(temporal.aliasesUsed);
  return { ...temporal.settings, ...own };
}
