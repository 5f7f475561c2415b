// What commands share: configuration, the pool state, a Temporal client.
import { Client, Connection } from '@temporalio/client';
import { existsSync } from 'node:fs';
import type { Pool } from '../domain/pool';
import { SimPool } from '../sim/sim-pool';
import { loadPoolFile } from '../sim/pool-file';
import { loadConfig, type Config } from '../workers/config';
import { clientConnectionOptions, connectionFailure, refusedCredentials } from '../workers/connection';
import { UsageError } from './errors';

export const config = (): Config => loadConfig();

/** The live pool state; a missing or empty state file is bad input with a hint. */
export function openState(cfg = config()): SimPool {
  if (!existsSync(cfg.stateFile))
    throw new UsageError(
      `no pool state at ${cfg.stateFile}: start the pool with \`liveshift up\` (or \`liveshift demo\`)`,
    );
  const sim = SimPool.open(cfg.stateFile);
  if (!sim.initialised)
    throw new UsageError(`state file ${cfg.stateFile} holds no pool: start it with \`liveshift up\``);
  return sim;
}

/** A pool snapshot: from --pool when given, else from the live state (falling back to the example). */
export function poolSnapshot(poolFile: string | undefined, fallback: string): Pool {
  if (poolFile !== undefined) return loadPoolFile(poolFile);
  const cfg = config();
  if (existsSync(cfg.stateFile)) {
    const sim = SimPool.open(cfg.stateFile);
    try {
      if (sim.initialised) return sim.snapshot();
    } finally {
      sim.close();
    }
  }
  return loadPoolFile(fallback);
}

/** A client for the configured server; TLS and API key from the environment or a profile (workers/connection.ts). */
export async function connectClient(cfg = config()): Promise<Client> {
  const options = clientConnectionOptions(cfg); // an unreadable TLS file is bad input, not "unreachable"
  try {
    const connection = await Connection.connect({ ...options, connectTimeout: 3000 });
    return new Client({ connection, namespace: cfg.namespace });
  } catch (err) {
    if (refusedCredentials(err))
      throw new Error(
        `Temporal at ${cfg.address} refused the credentials (${connectionFailure(err, cfg)}): ` +
          'check TEMPORAL_API_KEY, or the client certificate (TEMPORAL_TLS_CLIENT_CERT_PATH)',
      );
    throw new Error(
      `cannot reach Temporal at ${cfg.address} (${connectionFailure(err, cfg)}): is \`liveshift up\` running? ` +
        '(set TEMPORAL_ADDRESS or --address to use another server)',
    );
  }
}
