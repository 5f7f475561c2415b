// Process configuration, parsed with zod from the environment at the boundary. Connection
// credentials (TLS files, API key) come from here only (never from flags: those end up in shell
// history and `ps`); workers/connection.ts turns them into SDK connection options. None of them is
// ever part of a workflow or activity payload.
import { inspect } from 'node:util';
import { z } from 'zod';
import { FailureType, LiveshiftError } from '../domain/errors';
import { zodMessage } from '../domain/zod-message';

export const DEFAULT_STATE_FILE = '.liveshift/pool.db';
export const DEFAULT_POOL_FILE = 'examples/pool.yaml';

const REDACTED = '[redacted]';

/** A credential. It prints as [redacted] (String, JSON, util.inspect); `reveal()` hands it to the SDK. */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return REDACTED;
  }
  toJSON(): string {
    return REDACTED;
  }
  [inspect.custom](): string {
    return REDACTED;
  }
}

/** Bad configuration: one line, and bad input for the CLI (exit 2). */
export class ConfigError extends LiveshiftError {
  constructor(message: string) {
    super(FailureType.BadRequest, `configuration: ${message.replace(/[\r\n]+/g, ' ')}`);
  }
}

// An empty variable counts as unset (`TEMPORAL_TLS_CA= liveshift ...`).
const unsetIfEmpty = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optional = z.preprocess(unsetIfEmpty, z.string().optional());
const FLAG_VALUES = ['1', 'true', 'yes', 'on', '0', 'false', 'no', 'off'] as const;
const TRUE: readonly string[] = FLAG_VALUES.slice(0, 4);
const flag = z
  .preprocess(
    (v) => (typeof v === 'string' ? unsetIfEmpty(v.trim().toLowerCase()) : v),
    z.enum(FLAG_VALUES, { errorMap: () => ({ message: 'expected 1/true or 0/false' }) }).optional(),
  )
  .transform((v) => (v === undefined ? undefined : TRUE.includes(v)));

const secret = z
  .preprocess(unsetIfEmpty, z.string().optional())
  .transform((v) => (v === undefined ? undefined : new Secret(v)));

/** 127.0.0.0/8, ::1 and localhost: reachable from this machine only. */
export const isLoopback = (address: string): boolean =>
  /^127\.\d+\.\d+\.\d+$/.test(address) || address === '::1' || address === 'localhost';

const envObject = z.object({
  TEMPORAL_ADDRESS: z.string().min(1).default('localhost:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  LIVESHIFT_STATE: z.string().min(1).default(DEFAULT_STATE_FILE),
  /** How much the Temporal runtime of a worker process logs (activity failures are WARN). */
  LIVESHIFT_LOG_LEVEL: z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']).default('WARN'),
  /** Client certificate and private key files (PEM) for mTLS: both or neither. */
  TEMPORAL_TLS_CERT: optional,
  TEMPORAL_TLS_KEY: optional,
  /** The server's root CA (PEM); without it the system roots are used. */
  TEMPORAL_TLS_CA: optional,
  TEMPORAL_TLS_SERVER_NAME: optional,
  /** 1/true: TLS even with no other TLS setting; 0/false: plaintext even with an API key. */
  TEMPORAL_TLS: flag,
  /** Sent as `Authorization: Bearer ...`; implies TLS unless TEMPORAL_TLS=false. */
  TEMPORAL_API_KEY: secret,
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
});

/** Every variable a liveshift process reads. */
export const CONFIG_VARIABLES = Object.keys(envObject.shape) as (keyof typeof envObject.shape)[];

/** What the stack sets for each process it starts (workers/stack.ts); the others keep their defaults. */
export const WORKER_ENV = ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'LIVESHIFT_STATE', 'LIVESHIFT_LOG_LEVEL'] as const;
export type WorkerEnv = Record<(typeof WORKER_ENV)[number], string>;

const envSchema = envObject
  .superRefine((e, ctx) => {
    const refuse = (message: string) => ctx.addIssue({ code: z.ZodIssueCode.custom, message });
    if ((e.TEMPORAL_TLS_CERT === undefined) !== (e.TEMPORAL_TLS_KEY === undefined)) {
      const [set, missing] =
        e.TEMPORAL_TLS_CERT === undefined
          ? ['TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_CERT']
          : ['TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY'];
      refuse(`${set} is set without ${missing}: mTLS needs both the client certificate and its key (or neither)`);
    }
    const tlsSetting = (
      ['TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_CA', 'TEMPORAL_TLS_SERVER_NAME'] as const
    ).find((k) => e[k] !== undefined);
    if (e.TEMPORAL_TLS === false && tlsSetting)
      refuse(`TEMPORAL_TLS=false contradicts ${tlsSetting}: unset one of them`);
    if (!isLoopback(e.LIVESHIFT_AGENT_BIND) && e.LIVESHIFT_AGENT_TOKEN === undefined)
      refuse(
        `LIVESHIFT_AGENT_BIND=${e.LIVESHIFT_AGENT_BIND} is not a loopback address: set LIVESHIFT_AGENT_TOKEN so the agent can authenticate its callers`,
      );
  })
  .transform((e) => {
    const tlsWanted =
      e.TEMPORAL_TLS ??
      [e.TEMPORAL_TLS_CERT, e.TEMPORAL_TLS_CA, e.TEMPORAL_TLS_SERVER_NAME, e.TEMPORAL_API_KEY].some(
        (v) => v !== undefined,
      );
    const clientCert =
      e.TEMPORAL_TLS_CERT !== undefined && e.TEMPORAL_TLS_KEY !== undefined
        ? { certFile: e.TEMPORAL_TLS_CERT, keyFile: e.TEMPORAL_TLS_KEY }
        : undefined;
    return {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      stateFile: e.LIVESHIFT_STATE,
      logLevel: e.LIVESHIFT_LOG_LEVEL,
      /** false: plaintext. Otherwise TLS, with mTLS when `clientCert` is set. Files are read at connect time. */
      tls: tlsWanted
        ? { clientCert, caFile: e.TEMPORAL_TLS_CA, serverName: e.TEMPORAL_TLS_SERVER_NAME }
        : (false as const),
      apiKey: e.TEMPORAL_API_KEY,
      agent: {
        bind: e.LIVESHIFT_AGENT_BIND,
        port: e.LIVESHIFT_AGENT_PORT,
        advertise: e.LIVESHIFT_AGENT_ADVERTISE,
        token: e.LIVESHIFT_AGENT_TOKEN,
      },
    };
  });

export type Config = z.output<typeof envSchema>;

/** The configuration from the environment; throws a one-line ConfigError (never echoing a credential). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError(zodMessage(parsed.error));
  return parsed.data;
}

/** The variables that make a connection use TLS or a credential. */
export const CREDENTIAL_VARIABLES = [
  'TEMPORAL_TLS',
  'TEMPORAL_TLS_CERT',
  'TEMPORAL_TLS_KEY',
  'TEMPORAL_TLS_CA',
  'TEMPORAL_TLS_SERVER_NAME',
  'TEMPORAL_API_KEY',
] as const;

/** `env` without those: for processes that talk to the embedded (plaintext, local) dev server. */
export function withoutCredentials(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  for (const name of CREDENTIAL_VARIABLES) delete copy[name];
  return copy;
}
