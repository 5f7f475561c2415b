// An in-process liveshift stack (tests, benchmarks, history recording): a fresh state file, the
// orchestrator worker and one host worker per pool host in this process, and a client.
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, startMigration, type MigrationHandle } from '../cli/migration-client';
import { poolSchema, type Pool, type PoolInput } from '../domain/pool';
import type { MigrationRequest, MigrationResult } from '../domain/request';
import { SimPool } from '../sim/sim-pool';
import { createHostWorker } from './host';
import { withoutCredentials } from './config';
import { SupervisedHost } from './supervisor';
import { createOrchestratorWorker } from './orchestrator';

export interface LocalStack {
  sim: SimPool;
  client: Client;
  stateFile: string;
  /** The supervised host processes, when `hostProcesses` was asked for. */
  hosts: Map<string, SupervisedHost>;
  migrate(req: Partial<MigrationRequest> & { vm: string; to: string }): Promise<MigrationResult>;
  start(req: Partial<MigrationRequest> & { vm: string; to: string }): Promise<MigrationHandle>;
  stop(): Promise<void>;
}

let runtimeInstalled = false;
function quietRuntime(): void {
  if (runtimeInstalled) return;
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  runtimeInstalled = true;
}

export interface StackTarget {
  address: string;
  /** A prebuilt workflow bundle; bundled on the fly when absent. */
  workflowBundlePath?: string;
  /** Run host workers as supervised child processes (they can then crash and be killed). */
  hostProcesses?: boolean;
}

export async function startStack(input: PoolInput, target: StackTarget): Promise<LocalStack> {
  quietRuntime();
  const pool: Pool = poolSchema.parse(input);
  const stateFile = join(mkdtempSync(join(tmpdir(), 'liveshift-test-')), 'pool.db');
  const sim = SimPool.open(stateFile);
  sim.initialise(pool);
  const address = target.address;
  const native = await NativeConnection.connect({ address });
  const workers: Worker[] = [
    await createOrchestratorWorker({
      connection: native,
      namespace: 'default',
      inventory: sim,
      ...(target.workflowBundlePath ? { workflowBundle: { codePath: target.workflowBundlePath } } : {}),
    }),
  ];
  const hosts = new Map<string, SupervisedHost>();
  if (target.hostProcesses) {
    const env = {
      ...withoutCredentials(process.env),
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: 'default',
      LIVESHIFT_STATE: stateFile,
      LIVESHIFT_LOG_LEVEL: 'ERROR',
    };
    for (const h of pool.hosts) hosts.set(h.name, new SupervisedHost(h.name, env, () => undefined));
    await Promise.all([...hosts.values()].map((h) => h.ready()));
  } else {
    workers.push(
      ...(await Promise.all(
        pool.hosts.map((h) =>
          createHostWorker({
            connection: native,
            namespace: 'default',
            toolstack: SimPool.open(stateFile),
            host: h.name,
          }),
        ),
      )),
    );
  }
  const running = workers.map((w) => w.run());
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  const full = (r: Partial<MigrationRequest> & { vm: string; to: string }): MigrationRequest => ({
    plan: 'early-attach',
    ...r,
  });
  return {
    sim,
    client,
    stateFile,
    hosts,
    migrate: (r) => migrate(client, sim.snapshot(), full(r)),
    start: (r) => startMigration(client, sim.snapshot(), full(r)),
    async stop() {
      for (const w of workers) w.shutdown();
      await Promise.all([...running, ...[...hosts.values()].map((h) => h.stop())]);
      await connection.close();
      await native.close();
      sim.close();
    },
  };
}
