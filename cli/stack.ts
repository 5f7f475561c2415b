// The embedded stack behind `up` and `demo`: the Temporal dev server (SQLite file, Web UI), the
// orchestrator worker in this process, and one supervised host-worker process per pool host.
import { NativeConnection, Runtime, DefaultLogger, type Worker } from '@temporalio/worker';
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import type { Pool } from '../domain/pool';
import { SimPool } from '../sim/sim-pool';
import { createOrchestratorWorker } from '../workers/orchestrator';
import { startDevServer, stopChild, type DevServer } from './temporal-server';

export interface StackOptions {
  stateFile: string;
  temporalDbFile: string;
  port: number;
  uiPort: number;
  log: (line: string) => void;
}

export interface Stack {
  address: string;
  uiUrl: string | null;
  stop(): Promise<void>;
}

const HOST_WORKER = resolve(__dirname, '..', 'workers', 'host.ts');
const RESTART_DELAY_MS = 500;

/** Runs one host worker process and restarts it when it dies, as an init system would. */
class Supervised {
  private child: ChildProcess | undefined;
  private stopping = false;

  constructor(private readonly host: string, private readonly env: NodeJS.ProcessEnv, private readonly log: (l: string) => void) {
    this.spawn();
  }

  private spawn(): void {
    const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), HOST_WORKER, this.host], { env: this.env, stdio: ['ignore', 'inherit', 'inherit'] });
    this.child = child;
    child.once('exit', (code, signal) => {
      if (this.stopping) return;
      this.log(`liveshift: host worker ${this.host} exited (${signal ?? `code ${code}`}); restarting in ${RESTART_DELAY_MS} ms`);
      setTimeout(() => !this.stopping && this.spawn(), RESTART_DELAY_MS);
    });
  }

  stop(): Promise<void> {
    this.stopping = true;
    return this.child ? stopChild(this.child) : Promise.resolve();
  }
}

export async function startStack(pool: Pool, o: StackOptions): Promise<Stack> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  o.log(`liveshift: starting Temporal (state ${o.temporalDbFile}) ...`);
  const server: DevServer = await startDevServer({ port: o.port, uiPort: o.uiPort, dbFile: o.temporalDbFile, ui: true, log: o.log });
  const env = { ...process.env, TEMPORAL_ADDRESS: server.address, LIVESHIFT_STATE: o.stateFile };
  const hosts = pool.hosts.map((h) => new Supervised(h.name, env, o.log));
  const inventory = SimPool.open(o.stateFile);
  const connection = await NativeConnection.connect({ address: server.address });
  o.log('liveshift: bundling workflows ...');
  const worker: Worker = await createOrchestratorWorker({ connection, namespace: 'default', inventory });
  const running = worker.run();
  o.log(`liveshift: pool "${pool.name}" up — ${pool.hosts.length} host workers, Temporal at ${server.address}, Web UI ${server.uiUrl}`);
  return {
    address: server.address,
    uiUrl: server.uiUrl,
    async stop() {
      worker.shutdown();
      await running;
      await Promise.all(hosts.map((h) => h.stop()));
      await connection.close();
      inventory.close();
      await server.stop();
    },
  };
}
