// A host worker: the atoms of one pool host, on task queue `host-<name>`. `liveshift up` runs one
// process per host, like a toolstack daemon per hypervisor.
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createHostActivities } from '../activities/host';
import { hostTaskQueue } from '../domain/ids';
import type { Toolstack } from '../domain/toolstack';
import { SimPool } from '../sim/sim-pool';
import { loadConfig } from './config';
import { READY_LINE } from './supervisor';
import { connectionFailure, nativeConnectionOptions } from './connection';

export interface HostWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  toolstack: Toolstack;
  host: string;
}

export function createHostWorker(o: HostWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: o.connection,
    namespace: o.namespace,
    taskQueue: hostTaskQueue(o.host),
    activities: createHostActivities(o.toolstack, o.host),
    maxConcurrentActivityTaskExecutions: 64,
    shutdownGraceTime: '2 seconds',
  });
}

/** Entry point: `node --import tsx workers/host.ts <host>`. */
async function main(): Promise<void> {
  const host = process.argv[2];
  if (!host) throw new Error('usage: workers/host.ts <host-name>');
  const config = loadConfig();
  Runtime.install({ logger: new DefaultLogger(config.logLevel) });
  const sim = SimPool.open(config.stateFile);
  if (!sim.config().hosts.some((h) => h.name === host)) throw new Error(`host ${host} is not in the pool`);
  const options = nativeConnectionOptions(config); // TLS and API key from the environment only
  const connection = await NativeConnection.connect(options).catch((err: unknown) => {
    throw new Error(`cannot connect to Temporal at ${config.address}: ${connectionFailure(err, config)}`);
  });
  const worker = await createHostWorker({ connection, namespace: config.namespace, toolstack: sim, host });
  const running = worker.run();
  console.log(`${READY_LINE}: ${host}`);
  await running;
  await connection.close();
  sim.close();
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(`host worker: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
