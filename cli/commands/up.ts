// `liveshift up` and `liveshift demo`'s shared start: the pool state, then the embedded stack.
import { dirname, join } from 'node:path';
import { z } from 'zod';
import type { Pool } from '../../domain/pool';
import { discardQemuGuests } from '../../qemu/boot';
import { preparePoolState } from '../../workers/pool-state';
import { loadPoolFile } from '../../sim/pool-file';
import { config } from '../context';
import { EXIT, UsageError } from '../errors';
import { startStack, type Stack } from '../../workers/stack';
import { startPostgresEngine } from '../../engine';
import { startDevServer, type DevServer } from '../temporal-server';

export const ENGINES = ['dev', 'postgres'] as const;
export type Engine = (typeof ENGINES)[number];

export interface UpOptions {
  pool: string;
  port: string;
  uiPort: string;
  /** `dev`: the Temporal CLI's dev server on SQLite; `postgres`: the production topology (engine/). */
  engine?: Engine;
  fresh?: boolean;
}

const log = (line: string) => console.error(line);

/** Opens (or initialises from the pool file) the state and starts server, UI and workers. */
const portSchema = z.coerce.number().int().min(1).max(65535);

function port(value: string, flag: string): number {
  const parsed = portSchema.safeParse(value);
  if (!parsed.success) throw new UsageError(`${flag} ${value}: a port number from 1 to 65535`);
  return parsed.data;
}

export interface Embedded {
  stack: Stack;
  server: DevServer;
  pool: Pool;
  /** Stops the workers and host processes, then the server. */
  stop: () => Promise<void>;
}

export async function bringUp(o: UpOptions, fresh: boolean): Promise<Embedded> {
  const ports = { port: port(o.port, '--port'), uiPort: port(o.uiPort, '--ui-port') };
  const pool = loadPoolFile(o.pool);
  const cfg = config();
  if (preparePoolState(cfg.stateFile, pool, fresh) === 'initialised') {
    // Guests of an earlier pool in this state directory would be adopted as this pool's VMs.
    await discardQemuGuests(cfg.stateFile);
    log(`liveshift: pool "${pool.name}" initialised from ${o.pool} into ${cfg.stateFile}`);
  } else log(`liveshift: resuming pool "${pool.name}" from ${cfg.stateFile} (use --fresh to start over)`);
  const server = await startTemporal(o.engine ?? 'dev', ports, dirname(cfg.stateFile));
  log('liveshift: starting the orchestrator (bundling workflows) and one process per host ...');
  const stack = await startStack({
    address: server.address,
    stateFile: cfg.stateFile,
    hostProcesses: true,
    logLevel: 'WARN',
    log,
    ...(cfg.agent.token ? { agentToken: cfg.agent.token } : {}),
    // LIVESHIFT_METRICS_PORT is this process's port; each child gets any free one (all printed).
    ...(cfg.metrics ? { metrics: cfg.metrics } : {}),
  }).catch(async (err: unknown) => {
    await server.stop();
    throw err;
  });
  log(
    `liveshift: pool "${pool.name}" up — ${pool.hosts.length} host workers, Temporal at ${server.address}, Web UI ${server.uiUrl}`,
  );
  const stop = async () => {
    await stack.stop();
    await server.stop();
  };
  return { stack, server, pool, stop };
}

/** The Temporal service the stack runs on, its state beside the pool state. */
async function startTemporal(engine: Engine, ports: { port: number; uiPort: number }, dir: string): Promise<DevServer> {
  if (engine === 'postgres') {
    const home = join(dir, 'postgres');
    log(`liveshift: starting PostgreSQL and the Temporal server (state ${home}) ...`);
    return startPostgresEngine({ dir: home, ...ports, log });
  }
  const dbFile = join(dir, 'temporal.db');
  log(`liveshift: starting Temporal (state ${dbFile}) ...`);
  return startDevServer({ ...ports, dbFile, ui: true, log });
}

export function untilInterrupted(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

export async function upCommand(o: UpOptions): Promise<number> {
  const up = await bringUp(o, o.fresh ?? false);
  log('liveshift: press Ctrl-C to stop');
  await untilInterrupted();
  log('liveshift: stopping ...');
  await up.stop();
  return EXIT.ok;
}
