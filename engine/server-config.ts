// The Temporal server's configuration for the PostgreSQL topology (the v1.29 format: see
// config/development-postgres12.yaml in the server module) and its dynamic config file. Pure
// rendering; engine/temporal.ts writes the files.
import { stringify } from 'yaml';
import { DEV_SERVER_DYNAMIC_CONFIG } from '../cli/temporal-server';
import { TOPOLOGY, type DatabaseRole } from './topology';

export const SERVER_ROLES = ['frontend', 'history', 'matching', 'worker'] as const;
export type ServerRole = (typeof SERVER_ROLES)[number];

export interface ServerPorts {
  /** Each role's gRPC and membership (ringpop) port; the frontend's HTTP API besides. */
  grpc: Record<ServerRole, number>;
  membership: Record<ServerRole, number>;
  frontendHttp: number;
}

export interface ServerConfigInput {
  postgres: { host: string; port: number; user: string; password: string };
  ports: ServerPorts;
  dynamicConfigFile: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
}

const HOST = '127.0.0.1';
const CLUSTER = 'active';

/**
 * The same raised queue and timer rates as the dev server (docs/performance.md): without them each
 * history shard reads its queues at most 20 times a second and fires no timer sooner than 1 s ahead,
 * which a migration of many short steps pays for at every step.
 */
export const DYNAMIC_CONFIG = DEV_SERVER_DYNAMIC_CONFIG;

/** The file format: each key a list of values with (here no) constraints. */
export const renderDynamicConfig = (): string =>
  stringify(Object.fromEntries(Object.entries(DYNAMIC_CONFIG).map(([k, value]) => [k, [{ value, constraints: {} }]])));

function datastore(role: DatabaseRole, pg: ServerConfigInput['postgres']) {
  return {
    sql: {
      pluginName: TOPOLOGY.sqlPlugin,
      databaseName: TOPOLOGY.databases[role],
      connectAddr: `${pg.host}:${pg.port}`,
      connectProtocol: 'tcp',
      user: pg.user,
      password: pg.password,
      // All four roles run in one process, each with its own pools: 4 × (8 + 2) stays well under
      // PostgreSQL's default 100 connections.
      maxConns: role === 'default' ? 8 : 2,
      maxIdleConns: role === 'default' ? 8 : 2,
      maxConnLifetime: '1h',
    },
  };
}

function services(ports: ServerPorts) {
  return Object.fromEntries(
    SERVER_ROLES.map((role) => [
      role,
      {
        rpc: {
          grpcPort: ports.grpc[role],
          membershipPort: ports.membership[role],
          bindOnLocalHost: true,
          ...(role === 'frontend' ? { httpPort: ports.frontendHttp } : {}),
        },
      },
    ]),
  );
}

export function renderServerConfig(o: ServerConfigInput): string {
  return stringify({
    log: { stdout: true, level: o.logLevel ?? 'warn' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: TOPOLOGY.numHistoryShards,
      datastores: {
        'postgres-default': datastore('default', o.postgres),
        'postgres-visibility': datastore('visibility', o.postgres),
      },
    },
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: HOST } },
    services: services(o.ports),
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: CLUSTER,
      currentClusterName: CLUSTER,
      clusterInformation: {
        [CLUSTER]: {
          enabled: true,
          initialFailoverVersion: 1,
          rpcName: 'frontend',
          rpcAddress: `${HOST}:${o.ports.grpc.frontend}`,
        },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: o.dynamicConfigFile, pollInterval: '10s' },
  });
}
