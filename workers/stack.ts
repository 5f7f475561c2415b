// The one way to start liveshift's processes against a Temporal server, for `liveshift up` and
// `demo`, the tests, the benchmark and the scripts: the orchestrator worker (in this process, or
// a supervised child), and per pool host its agent and worker (supervised child processes, or in
// this process), plus a client. The state file must hold a pool (see `scratchState`); the QEMU
// guests of a pool with qemu hosts, and the storage daemons of its NBD SRs, are started first
// (qemu/boot.ts).
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type LogLevel, type Worker } from '@temporalio/worker';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Token } from '../agent/auth';
import type { RunningAgent } from '../agent/server';
import { poolSchema, type PoolInput } from '../domain/pool';
import type { MigrationRequest, MigrationResult } from '../domain/request';
import { bootQemuGuests } from '../qemu/boot';
import { SimPool } from '../sim/sim-pool';
import { migrate, startMigration, type MigrationHandle } from '../client/migrations';
import { withoutCredentials, type WorkerEnv } from './config';
import { createHostWorker } from './host';
import { startHostAgent } from './host-agent';
import { hostToolstack, type HostToolstack } from './toolstack';
import { createOrchestratorWorker } from './orchestrator';
import { superviseHost, superviseOrchestrator, type SupervisedProcess } from './supervisor';
import { warmUp } from '../agent/warm-up';

export interface StackOptions {
  /** The Temporal frontend (namespace `default`). */
  address: string;
  stateFile: string;
  /** A prebuilt workflow bundle; the workflows are bundled at start when absent. */
  workflowBundlePath?: string;
  /** Each host in its own supervised process, as `liveshift up` runs them (they can crash and be killed). */
  hostProcesses?: boolean;
  /** The orchestrator in a supervised child process too (it can then be killed). */
  orchestratorProcess?: boolean;
  agentToken?: Token;
  logLevel?: LogLevel;
  log?: (line: string) => void;
}

export type MigrationAsk = Partial<MigrationRequest> & { vm: string; to: string };

export interface Stack {
  sim: SimPool;
  client: Client;
  stateFile: string;
  hosts: Map<string, SupervisedProcess>;
  orchestrator: SupervisedProcess | undefined;
  migrate(req: MigrationAsk): Promise<MigrationResult>;
  start(req: MigrationAsk): Promise<MigrationHandle>;
  stop(): Promise<void>;
}

let runtimeInstalled = false;
/** This process decides when to stop, so the SDK runtime must not react to signals on its own. */
function installRuntime(level: LogLevel): void {
  if (runtimeInstalled) return;
  Runtime.install({ logger: new DefaultLogger(level), shutdownSignals: [] });
  runtimeInstalled = true;
}

/** A fresh state file in a temporary directory, initialised with `pool`. */
export function scratchState(pool: PoolInput): string {
  const file = join(mkdtempSync(join(tmpdir(), 'liveshift-')), 'pool.db');
  const sim = SimPool.open(file);
  sim.initialise(poolSchema.parse(pool));
  sim.close();
  return file;
}

export async function startStack(o: StackOptions): Promise<Stack> {
  installRuntime(o.logLevel ?? 'ERROR');
  const log = o.log ?? (() => undefined);
  const sim = SimPool.open(o.stateFile);
  const pool = sim.config();
  const own: WorkerEnv = {
    TEMPORAL_ADDRESS: o.address,
    TEMPORAL_NAMESPACE: 'default',
    LIVESHIFT_STATE: o.stateFile,
    LIVESHIFT_LOG_LEVEL: o.logLevel ?? 'ERROR',
  };
  // The embedded stack talks plaintext to a local server: no Temporal credential applies.
  const env = { ...withoutCredentials(process.env), ...own };
  const hosts = new Map<string, SupervisedProcess>();
  const agents: RunningAgent[] = [];
  const workers: Worker[] = [];
  const toolstacks: HostToolstack[] = [];
  // Before any host process: each guest's QMP socket then serves its host's process alone.
  if (pool.hosts.some((h) => h.backend === 'qemu')) {
    const booted = await bootQemuGuests(sim);
    if (booted.srs.length > 0) log(`liveshift: NBD SRs served by qemu-storage-daemon: ${booted.srs.join(', ')}`);
    if (booted.guests.length > 0) log(`liveshift: QEMU guests booted: ${booted.guests.join(', ')}`);
  }
  const native = await NativeConnection.connect({ address: o.address });
  if (o.hostProcesses) for (const h of pool.hosts) hosts.set(h.name, superviseHost(h.name, env, log));
  else {
    for (const h of pool.hosts) {
      const hostSim = SimPool.open(o.stateFile, { host: true });
      const toolstack = hostToolstack(hostSim, h.name);
      toolstacks.push(toolstack);
      const agentOptions = {
        host: h.name,
        toolstack,
        registry: hostSim,
        control: hostSim,
        bind: '127.0.0.1',
        port: 0,
      };
      agents.push(await startHostAgent({ ...agentOptions, ...(o.agentToken ? { token: o.agentToken } : {}) }));
      workers.push(await createHostWorker({ connection: native, namespace: 'default', toolstack, host: h.name }));
    }
  }
  const orchestrator = o.orchestratorProcess ? superviseOrchestrator(env, log, o.workflowBundlePath) : undefined;
  if (!orchestrator) workers.push(await inProcessOrchestrator(native, sim, o));
  const running = workers.map((w) => w.run());
  // Started and settled: a standby still loading would compete with the first migrations for the CPU.
  // With host processes (a stack like `liveshift up`'s) the runner in this process warms up too.
  const settling = [...hosts.values(), ...(orchestrator ? [orchestrator] : [])].map((p) => p.settled());
  await Promise.all([...settling, o.hostProcesses && !orchestrator ? warmUp() : undefined]);
  const client = new Client({ connection: await Connection.connect({ address: o.address }) });
  const full = (r: MigrationAsk): MigrationRequest => ({ plan: 'early-attach', ...r });
  return {
    sim,
    client,
    stateFile: o.stateFile,
    hosts,
    orchestrator,
    migrate: (r) => migrate(client, sim.snapshot(), full(r)),
    start: (r) => startMigration(client, sim.snapshot(), full(r)),
    async stop() {
      // The supervisors first: a Ctrl-C reaches the children too, and they must not be restarted.
      const children = Promise.all([...hosts.values(), ...(orchestrator ? [orchestrator] : [])].map((p) => p.stop()));
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await Promise.all([...running, children]);
      await Promise.all(agents.map((a) => a.close()));
      await Promise.all(toolstacks.map((t) => t.close()));
      await client.connection.close();
      await native.close();
      sim.close();
    },
  };
}

function inProcessOrchestrator(native: NativeConnection, sim: SimPool, o: StackOptions): Promise<Worker> {
  return createOrchestratorWorker({
    connection: native,
    namespace: 'default',
    inventory: sim,
    ...(o.agentToken ? { agentToken: o.agentToken } : {}),
    ...(o.workflowBundlePath ? { workflowBundle: { codePath: o.workflowBundlePath } } : {}),
  });
}
