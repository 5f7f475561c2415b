// The embedded stack behind `up` and `demo`: the Temporal dev server (SQLite file, Web UI), the
// orchestrator worker in this process, and one supervised host-worker process per pool host.
import { NativeConnection, Runtime, DefaultLogger, type Worker } from '@temporalio/worker';
import type { Pool } from '../domain/pool';
import { SimPool } from '../sim/sim-pool';
import { createOrchestratorWorker } from '../workers/orchestrator';
import { withoutCredentials } from '../workers/config';
import { SupervisedHost } from '../workers/supervisor';
import { startDevServer, type DevServer } from './temporal-server';

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

export async function startStack(pool: Pool, o: StackOptions): Promise<Stack> {
  // This process decides when to stop (Ctrl-C stops the server and host workers too), so the
  // runtime must not shut the worker down on signals behind its back.
  Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
  o.log(`liveshift: starting Temporal (state ${o.temporalDbFile}) ...`);
  const server: DevServer = await startDevServer({
    port: o.port,
    uiPort: o.uiPort,
    dbFile: o.temporalDbFile,
    ui: true,
    log: o.log,
  });
  // The embedded server is local and plaintext, in namespace `default`: no credentials apply.
  const env = {
    ...withoutCredentials(process.env),
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_NAMESPACE: 'default',
    LIVESHIFT_STATE: o.stateFile,
  };
  const hosts = pool.hosts.map((h) => new SupervisedHost(h.name, env, o.log));
  const hostsReady = Promise.all(hosts.map((h) => h.ready()));
  const inventory = SimPool.open(o.stateFile);
  const connection = await NativeConnection.connect({ address: server.address });
  o.log('liveshift: bundling workflows ...');
  const worker: Worker = await createOrchestratorWorker({ connection, namespace: 'default', inventory });
  const running = worker.run();
  await hostsReady;
  o.log(
    `liveshift: pool "${pool.name}" up — ${pool.hosts.length} host workers, Temporal at ${server.address}, Web UI ${server.uiUrl}`,
  );
  return {
    address: server.address,
    uiUrl: server.uiUrl,
    async stop() {
      // First tell the supervisors: a Ctrl-C reaches the host workers too, and they must not be
      // restarted while everything stops.
      const hostsStopped = Promise.all(hosts.map((h) => h.stop()));
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await hostsStopped;
      await connection.close();
      inventory.close();
      await server.stop();
    },
  };
}
