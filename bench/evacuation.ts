// `npm run bench -- --evacuate`: four hosts drained at once, 200 VMs, by four evacuateHost
// workflows sharing one set of caps. What matters is how close the makespan comes to the ideal
// bound — the migrations' own durations (from the hosts' event log) spread over every slot the caps
// allow — since the difference is what scheduling costs: a slot's refill after a migration ends,
// the drain before each continue-as-new, the tail. Also: orchestrator CPU per migration, peak
// memory per process, and the evacuation workflows' history per run.
import { cpus, loadavg } from 'node:os';
import { startEvacuation } from '../client/evacuations';
import {
  migrationSpans,
  peakConcurrency,
  type MigrationSpan,
  type PeakConcurrency,
} from '../domain/evacuation-measure';
import { vmUuid } from '../domain/ids';
import {
  DEFAULT_CONTINUE_AS_NEW_AFTER,
  type EvacuationCaps,
  type EvacuationResult,
} from '../workflows/evacuation-definitions';
import { scratchState, startStack, type Stack } from '../workers/stack';
import { evacuationPool, type EvacuationPoolShape } from './pools';
import { evacuationRuns, refillSteps, type RefillStep } from './evacuation-histories';
import { cpuOf, hostPids, peaks } from './procstat';
import { median, percentile } from './stats';

export interface EvacuationSettings {
  shape: EvacuationPoolShape;
  caps: EvacuationCaps;
  continueAsNewAfter: number;
}

export const EVACUATION_SETTINGS: EvacuationSettings = {
  shape: { sources: 4, destinations: 4, vmsPerSource: 50, timeScale: 0.2 },
  caps: { perSource: 2, perDestination: 2, pool: 8 },
  // The default (100): a source's 50 VMs in one run. `--continue-as-new-after 25` measures the drain it costs.
  continueAsNewAfter: DEFAULT_CONTINUE_AS_NEW_AFTER,
};

export type EvacuationBench = Timing &
  Omit<Awaited<ReturnType<typeof drain>>, 'results'> & {
    at: string;
    settings: EvacuationSettings;
    migrations: number;
    migrated: number;
    /** Events per run of each evacuation workflow, oldest run first. */
    histories: { workflowId: string; events: number[] }[];
    refillSteps: RefillStep[];
    violations: string[];
  };

export async function runEvacuationBench(
  address: string,
  bundle: string,
  serverPid: number | undefined,
  settings: EvacuationSettings = EVACUATION_SETTINGS,
): Promise<EvacuationBench> {
  const pool = evacuationPool(`evacuate-${Date.now()}`, settings.shape);
  const stack = await startStack({
    address,
    stateFile: scratchState(pool),
    hostProcesses: true,
    orchestratorProcess: true,
    workflowBundlePath: bundle,
  });
  try {
    const sources = pool.hosts.map((h) => h.name).filter((h) => h.startsWith('src-'));
    const n = sources.length * settings.shape.vmsPerSource;
    const run = await drain(stack, sources, settings, serverPid, n);
    const spans = migrationSpans(stack.sim.events(), moved(pool.name, run.results));
    const migrated = run.results.flatMap((r) => r.vms).filter((v) => v.outcome === 'migrated').length;
    const timing = measure(spans, n, settings);
    const runs = await Promise.all(run.results.map((r) => evacuationRuns(stack.client, r)));
    const { results, ...costs } = run;
    return {
      at: new Date().toISOString(),
      settings,
      migrations: n,
      migrated,
      ...costs,
      ...timing,
      histories: results.map((r, i) => ({ workflowId: r.workflowId, events: runs[i]!.map((events) => events.length) })),
      refillSteps: await refillSteps(stack.client, runs.flat(1), spans, settings.caps.perSource),
      violations: violations(spans, sources, migrated, n, timing.peak, settings.caps),
    };
  } finally {
    await stack.stop();
  }
}

/** The evacuations themselves, and what the processes spent on them. */
async function drain(stack: Stack, sources: string[], o: EvacuationSettings, serverPid: number | undefined, n: number) {
  const orchestrator = stack.orchestrator?.pid;
  const hosts = () => Object.values(hostPids(stack.hosts)).reduce((ms: number, pid) => ms + cpuOf(pid), 0);
  const cpu = () => ({ orchestrator: cpuOf(orchestrator), server: cpuOf(serverPid), hosts: hosts() });
  const before = cpu();
  const started = Date.now();
  const load = sampleLoad();
  const results = await evacuateAll(stack, sources, o).finally(load.stop);
  const wallMs = Date.now() - started;
  const after = cpu();
  return {
    results,
    /** First start call → last result, on the benchmark's clock. */
    wallMs,
    /** The machine's 1-minute load average while the evacuations ran: other work shares the cores. */
    load: load.range(),
    orchestratorCpuMsPerMigration: (after.orchestrator - before.orchestrator) / n,
    serverCpuMsPerMigration: (after.server - before.server) / n,
    // All host processes together (their standbys idle).
    hostsCpuMsPerMigration: (after.hosts - before.hosts) / n,
    peakRssMiB: peaks({ orchestrator, 'temporal server': serverPid, ...hostPids(stack.hosts) }),
  };
}

/** The migrations at once the caps permit, all sources and destinations busy. */
export function allowedConcurrency(shape: EvacuationPoolShape, caps: EvacuationCaps): number {
  return Math.min(caps.pool, shape.sources * caps.perSource, shape.destinations * caps.perDestination);
}

function sampleLoad() {
  const seen = [loadavg()[0]!];
  const timer = setInterval(() => seen.push(loadavg()[0]!), 5000);
  return {
    stop: () => clearInterval(timer),
    range: () => ({ min: Math.min(...seen), max: Math.max(...seen), cores: cpus().length }),
  };
}

/** All evacuations started before any result is awaited, as an operator draining a rack would. */
async function evacuateAll(stack: Stack, sources: string[], o: EvacuationSettings): Promise<EvacuationResult[]> {
  const snapshot = stack.sim.snapshot();
  const request = (host: string) => ({ host, caps: o.caps, continueAsNewAfter: o.continueAsNewAfter });
  const handles = await Promise.all(sources.map((h) => startEvacuation(stack.client, snapshot, request(h))));
  // result() follows the runs a workflow continued as new into.
  return Promise.all(handles.map((h) => h.result()));
}

const moved = (poolName: string, results: EvacuationResult[]) =>
  results.flatMap((r) =>
    r.vms
      .filter((v) => v.to !== null)
      .map((v) => ({ vmUuid: vmUuid(poolName, v.vm), source: r.host, destination: v.to! })),
  );

type Timing = ReturnType<typeof measure>;

/** Makespan: first span start → last span end. Refill: a source's migration ending → its next one starting. */
function measure(spans: MigrationSpan[], n: number, o: EvacuationSettings) {
  const durations = spans.map((s) => s.endMs - s.startMs);
  const makespanMs = Math.max(...spans.map((s) => s.endMs)) - Math.min(...spans.map((s) => s.startMs));
  const sumMs = durations.reduce((a, b) => a + b, 0);
  const longestMs = Math.max(...durations);
  const boundMs = Math.max(sumMs / allowedConcurrency(o.shape, o.caps), longestMs);
  const refills = refillGaps(spans, o.caps.perSource);
  return {
    makespanMs,
    sumMs,
    longestMs,
    boundMs,
    ratio: makespanMs / boundMs,
    perSecond: n / (makespanMs / 1000),
    spanP50: median(durations),
    refillP50: median(refills),
    refillP95: percentile(refills, 95),
    peak: peakConcurrency(spans),
  };
}

/**
 * Per source, the i-th migration to start (past the first `perSource`) needed the (i − perSource)-th
 * to end, ends in order: the gap between the two is the time a slot stood empty between migrations.
 */
export function refillGaps(spans: readonly MigrationSpan[], perSource: number): number[] {
  const sources = [...new Set(spans.map((s) => s.source))];
  return sources.flatMap((source) => {
    const own = spans.filter((s) => s.source === source);
    const starts = own.map((s) => s.startMs).sort((a, b) => a - b);
    const ends = own.map((s) => s.endMs).sort((a, b) => a - b);
    return starts.slice(perSource).map((start, i) => start - ends[i]!);
  });
}

/** What must fail the run: a VM left behind, a cap exceeded, a source used as a destination. */
function violations(
  spans: MigrationSpan[],
  sources: string[],
  migrated: number,
  n: number,
  peak: PeakConcurrency,
  caps: EvacuationCaps,
): string[] {
  const over = (what: string, seen: Record<string, number>, cap: number) =>
    Object.entries(seen)
      .filter(([, k]) => k > cap)
      .map(([host, k]) => `${k} migrations at once ${what} ${host} (cap ${cap})`);
  return [
    ...(migrated < n ? [`${n - migrated} of ${n} VMs were not migrated`] : []),
    ...(spans.length !== migrated ? [`${spans.length} migration spans for ${migrated} migrated VMs`] : []),
    ...(peak.pool > caps.pool ? [`${peak.pool} migrations at once in the pool (cap ${caps.pool})`] : []),
    ...over('from', peak.perSource, caps.perSource),
    ...over('to', peak.perDestination, caps.perDestination),
    ...spans.filter((s) => sources.includes(s.destination)).map((s) => `${s.vmUuid} moved to source ${s.destination}`),
  ];
}
