// Entry point of an orchestrator process: `node --require tsx/cjs workers/orchestrator-process.ts
// [workflow-bundle.js]`. `liveshift up` runs the orchestrator in its own process; this one lets a
// supervisor run it apart, so a test can kill it in the middle of a migration.
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { warmUp } from '../agent/warm-up';
import { startMetricsEndpoint } from '../metrics/endpoint';
import { MigrationMetrics } from '../metrics/migration-metrics';
import { installRuntime } from '../metrics/process';
import { SimPool } from '../sim/sim-pool';
import { loadConfig } from './config';
import { connectionFailure, nativeConnectionOptions } from './connection';
import { createOrchestratorWorker } from './orchestrator';
import { awaitActivation } from './standby';
import { METRICS_LINE, ORCHESTRATOR_READY_LINE, WARM_UP_ENV } from './supervisor';

async function main(): Promise<void> {
  const bundle = process.argv[2];
  const config = loadConfig();
  const migrations = config.metrics ? new MigrationMetrics() : undefined;
  const metrics = config.metrics ? await startMetricsEndpoint({ ...config.metrics, migrations }) : undefined;
  if (metrics) console.log(`${METRICS_LINE}: ${metrics.url}`);
  await installRuntime(Runtime, { logger: new DefaultLogger(config.logLevel) }, metrics);
  const sim = SimPool.open(config.stateFile);
  if (process.env[WARM_UP_ENV]) await warmUp();
  await awaitActivation();
  const connection = await NativeConnection.connect(nativeConnectionOptions(config)).catch((err: unknown) => {
    throw new Error(`cannot connect to Temporal at ${config.address}: ${connectionFailure(err, config)}`);
  });
  const worker = await createOrchestratorWorker({
    connection,
    namespace: config.namespace,
    inventory: sim,
    agentToken: config.agent.token,
    ...(migrations ? { metrics: migrations } : {}),
    ...(bundle ? { workflowBundle: { codePath: bundle } } : {}),
  });
  const running = worker.run();
  console.log(ORCHESTRATOR_READY_LINE);
  await running;
  await metrics?.close();
  await connection.close();
  sim.close();
}

main().catch((err: unknown) => {
  console.error(`orchestrator: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
