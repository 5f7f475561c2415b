// The production topology in one description, read by both ways of running it: the native one
// (`liveshift up --engine postgres`: PostgreSQL, the Temporal server, the Web UI and liveshift's
// processes on this machine) and docker-compose.yml (test/unit/compose.test.ts checks the file
// against this). Names, ports, databases, the schema steps and the operator commands live here once.
import { SearchAttributeType } from '@temporalio/common';
import { searchAttributes } from '../workflows/definitions';
import { WORKER_ENV } from '../workers/config';

export const TOPOLOGY = {
  /** The Temporal frontend's gRPC port liveshift's clients and workers dial. */
  frontendPort: 7233,
  /** Where the Web UI is served (the dev server's default too). */
  uiPort: 8233,
  namespace: 'default',
  /** Few shards: one small cluster, and each shard's queues are read on their own. */
  numHistoryShards: 4,
  sqlPlugin: 'postgres12',
  dbUser: 'temporal',
  databases: { default: 'temporal', visibility: 'temporal_visibility' },
  /** Every process of the topology, by the name both the native one and compose give it. */
  services: { postgresql: 'postgresql', temporal: 'temporal', ui: 'temporal-ui', orchestrator: 'orchestrator' },
  /** Set-up steps natively (engine/schema.ts, engine/namespace.ts, workers/pool-state.ts); one-shot services in compose. */
  setupSteps: { schema: 'temporal-schema', namespace: 'temporal-setup', pool: 'pool-init' },
  /** What every liveshift process reads (workers/config.ts), as the native stack sets it (workers/stack.ts). */
  workerEnv: WORKER_ENV,
  /** What a host process in a container reads besides: its agent is reached over the network. */
  agentEnv: ['LIVESHIFT_AGENT_BIND', 'LIVESHIFT_AGENT_PORT', 'LIVESHIFT_AGENT_ADVERTISE', 'LIVESHIFT_AGENT_TOKEN'],
} as const;

export type DatabaseRole = keyof typeof TOPOLOGY.databases;

/** The subfolder of the server module's `schema/postgresql/v12` holding each database's versioned scripts. */
const SCHEMA_FOLDER: Record<DatabaseRole, string> = { default: 'temporal', visibility: 'visibility' };

export interface SqlEndpoint {
  host: string;
  port: number;
  /** The folder holding `temporal/` and `visibility/` (`schema/postgresql/v12`). */
  schemaRoot: string;
}

/**
 * The SQL tool's invocations that create a database and bring its schema to the latest version,
 * in order. Each step can run again: `create-database` is `--quiet` (the database may be there;
 * if it is not, the next step fails loudly), `setup-schema -v 0.0` only creates the version tables
 * and leaves a newer version alone, `update-schema` applies only what is missing.
 */
export function schemaSteps(role: DatabaseRole, at: SqlEndpoint): string[][] {
  const db = TOPOLOGY.databases[role];
  const connect = ['--plugin', TOPOLOGY.sqlPlugin, '--ep', at.host, '-p', String(at.port), '-u', TOPOLOGY.dbUser];
  const versioned = `${at.schemaRoot}/${SCHEMA_FOLDER[role]}/versioned`;
  return [
    [...connect, '--db', db, '--quiet', 'create-database'],
    [...connect, '--db', db, 'setup-schema', '-v', '0.0'],
    [...connect, '--db', db, 'update-schema', '-d', versioned],
  ];
}

/**
 * `temporal operator search-attribute create` for every key of workflows/definitions.ts, in one
 * call: the CLI pairs each `--name` with the `--type` in the same position.
 */
export function searchAttributeCommand(): string[] {
  const pairs = Object.values(searchAttributes).flatMap((k) => [
    '--name',
    k.name,
    '--type',
    k.type === SearchAttributeType.INT ? 'Int' : 'Keyword',
  ]);
  return ['operator', 'search-attribute', 'create', ...pairs];
}

export const namespaceCommand = (): string[] => ['operator', 'namespace', 'create', '--namespace', TOPOLOGY.namespace];
