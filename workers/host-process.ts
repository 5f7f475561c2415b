// Entry point of one host process: `node --require tsx/cjs workers/host-process.ts <host>`.
// The Temporal SDK alone takes about 0.7 s to load. A standby (workers/standby.ts) loads it before
// it is needed, then only starts its agent and connects its worker when it takes over: a host
// whose process crashed answers again within milliseconds. A process started to serve at once
// starts its agent first and loads the SDK after, so it answers direct calls as soon as it can.
import { warmUp } from '../agent/warm-up';
import { startMetricsEndpoint } from '../metrics/endpoint';
import { installRuntime } from '../metrics/process';
import { SimPool } from '../sim/sim-pool';
import { loadConfig } from './config';
import { connectionFailure, nativeConnectionOptions } from './connection';
import { startHostAgent } from './host-agent';
import { awaitActivation } from './standby';
import { hostToolstack } from './toolstack';
import { AGENT_READY_LINE, METRICS_LINE, READY_LINE, STANDBY_ENV, WARM_UP_ENV } from './supervisor';

/** The Temporal SDK and the host worker: loaded at run time, so a bad configuration fails before. */
function loadWorkerModules() {
  /* eslint-disable @typescript-eslint/no-require-imports -- loaded after the configuration is checked */
  const sdk = require('@temporalio/worker') as typeof import('@temporalio/worker');
  const { createHostWorker } = require('./host') as typeof import('./host');
  /* eslint-enable @typescript-eslint/no-require-imports */
  return { ...sdk, createHostWorker };
}

async function main(): Promise<void> {
  const host = process.argv[2];
  if (!host) throw new Error('usage: workers/host-process.ts <host-name>');
  const config = loadConfig();
  const sim = SimPool.open(config.stateFile, { host: true });
  if (!sim.config().hosts.some((h) => h.name === host)) throw new Error(`host ${host} is not in the pool`);
  const preloaded = process.env[STANDBY_ENV] ? loadWorkerModules() : undefined;
  if (process.env[WARM_UP_ENV]) await warmUp();
  await awaitActivation();
  const toolstack = hostToolstack(sim, host);
  const agent = await startHostAgent({ host, toolstack, registry: sim, control: sim, ...config.agent });
  console.log(`${AGENT_READY_LINE}: ${host} ${agent.url}`);
  // After the agent (a host that took over answers direct calls first), and only once active: a
  // standby binds nothing, so it never competes for its predecessor's port.
  const metrics = config.metrics ? await startMetricsEndpoint(config.metrics) : undefined;
  if (metrics) console.log(`${METRICS_LINE}: ${metrics.url}`);
  const { DefaultLogger, NativeConnection, Runtime, createHostWorker } = preloaded ?? loadWorkerModules();
  await installRuntime(Runtime, { logger: new DefaultLogger(config.logLevel) }, metrics);
  const options = nativeConnectionOptions(config); // TLS and API key from the environment only
  const connection = await NativeConnection.connect(options).catch((err: unknown) => {
    throw new Error(`cannot connect to Temporal at ${config.address}: ${connectionFailure(err, config)}`);
  });
  const worker = await createHostWorker({ connection, namespace: config.namespace, toolstack, host });
  const running = worker.run();
  console.log(`${READY_LINE}: ${host}`);
  await running;
  await metrics?.close();
  await agent.close();
  await connection.close();
  await toolstack.close();
  sim.close();
}

main().catch((err: unknown) => {
  console.error(`host worker: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
