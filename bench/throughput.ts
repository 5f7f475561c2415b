// Many migrations at once, on distinct VMs: how many finish per second, what each costs the
// orchestrator in CPU, and how much memory every process of the stack peaks at. The orchestrator
// and each host run as their own processes, as under `liveshift up`.
import type { MigrationResult } from '../domain/request';
import { scratchState, startStack } from '../workers/stack';
import { throughputPool } from './pools';
import { cpuOf, hostPids, peaks } from './procstat';
import { median, percentile } from './stats';

export interface ThroughputResult {
  migrations: number;
  migrated: number;
  makespanMs: number;
  perSecond: number;
  orchestratorCpuMsPerMigration: number;
  serverCpuMsPerMigration: number;
  idleP50: number;
  idleP99: number;
  downtimeP50: number;
  peakRssMiB: Record<string, number>;
}

export async function runThroughput(
  address: string,
  count: number,
  bundle: string,
  serverPid: number | undefined,
): Promise<ThroughputResult> {
  const stateFile = scratchState(throughputPool(`throughput-${Date.now()}`, count));
  const stack = await startStack({
    address,
    stateFile,
    hostProcesses: true,
    orchestratorProcess: true,
    workflowBundlePath: bundle,
  });
  try {
    const pool = stack.sim.snapshot();
    const to = (host: string) =>
      pool.hosts[(pool.hosts.findIndex((h) => h.name === host) + 1) % pool.hosts.length]!.name;
    const orchestrator = stack.orchestrator?.pid;
    const cpu = () => ({ orchestrator: cpuOf(orchestrator), server: cpuOf(serverPid) });
    const before = cpu();
    const started = Date.now();
    const results: MigrationResult[] = await Promise.all(
      pool.vms.map((vm) => stack.migrate({ vm: vm.name, to: to(vm.residentOn) })),
    );
    const makespanMs = Date.now() - started;
    const after = cpu();
    return {
      migrations: count,
      migrated: results.filter((r) => r.outcome === 'migrated').length,
      makespanMs,
      perSecond: count / (makespanMs / 1000),
      orchestratorCpuMsPerMigration: (after.orchestrator - before.orchestrator) / count,
      serverCpuMsPerMigration: (after.server - before.server) / count,
      idleP50: median(results.map((r) => r.idleInDowntimeMs)),
      idleP99: percentile(
        results.map((r) => r.idleInDowntimeMs),
        99,
      ),
      downtimeP50: median(results.map((r) => r.downtimeMs)),
      peakRssMiB: peaks({ orchestrator, 'temporal server': serverPid, ...hostPids(stack.hosts) }),
    };
  } finally {
    await stack.stop();
  }
}
