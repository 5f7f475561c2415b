// The benchmark's tables, defined once: the console report (report.ts) and the markdown written
// into docs/performance.md (doc.ts) render the same titles, headers and rows.
import { allowedConcurrency, type EvacuationBench } from './evacuation';
import type { Report } from './report';
import { TARGETS } from './report';
import { fmt } from './stats';

export interface BenchTable {
  title: string;
  head: string[];
  rows: (string | number)[][];
}

/** `mark` renders a target's verdict: the console and the markdown spell it differently. */
export function benchTables(r: Report, mark: (ok: boolean) => string): BenchTable[] {
  const t = r.throughput;
  return [
    perVmTable(r, mark),
    perDisksTable(r, mark),
    {
      title: 'Orchestration overhead of a whole migration, example pool (total − predicted total, ms)',
      head: ['plan', 'n', 'overhead p50', 'idle p50'],
      rows: r.overhead.map((s) => [s.plan, s.n, fmt(s.overheadP50), fmt(s.idleP50)]),
    },
    {
      title: `${t.migrations} migrations at once on distinct VMs (4 hosts, every host and the orchestrator in its own process)`,
      head: ['migrated', 'makespan ms', 'migrations/s', 'orchestrator CPU ms / migration'].concat([
        'server CPU ms / migration',
        'idle p50',
        'idle p99',
        'downtime p50',
      ]),
      rows: [
        [`${t.migrated}/${t.migrations}`, fmt(t.makespanMs), t.perSecond.toFixed(2)]
          .concat([fmt(t.orchestratorCpuMsPerMigration), fmt(t.serverCpuMsPerMigration)])
          .concat([fmt(t.idleP50), fmt(t.idleP99), fmt(t.downtimeP50)]),
      ],
    },
    {
      title: 'Peak resident memory per process',
      head: ['process', 'peak RSS MiB'],
      rows: Object.entries(t.peakRssMiB).map(([p, mib]) => [p, fmt(mib)]),
    },
  ];
}

function perVmTable(r: Report, mark: (ok: boolean) => string): BenchTable {
  const verdict = `within ${TARGETS.overPredictionMs} ms, ≥ ${TARGETS.savingShare * 100}%`;
  return {
    title: 'Example pool, median per VM (ms, measured by the hosts; prediction from the latency model)',
    head: ['VM', 'legacy', 'early-attach', 'predicted', 'early − predicted', 'saved', 'attach on path'].concat([
      'saved / on path',
      verdict,
    ]),
    rows: r.perVm.map((v) => [
      v.vm,
      fmt(v.legacy.downtimeP50),
      fmt(v.early.downtimeP50),
      fmt(v.early.predictedDowntime),
      fmt(v.early.overDowntimeP50),
      fmt(v.savedMs),
      fmt(v.onPathMs),
      `${(v.share * 100).toFixed(1)}%`,
      mark(v.early.overDowntimeP50 <= TARGETS.overPredictionMs && v.share >= TARGETS.savingShare),
    ]),
  };
}

function perDisksTable(r: Report, mark: (ok: boolean) => string): BenchTable {
  return {
    title: `Idle time inside the downtime window, by disk count (ms; target p50 ≤ ${TARGETS.idleP50Ms}, p99 ≤ ${TARGETS.idleP99Ms})`,
    head: ['disks', 'plan', 'n', 'idle p50', 'p95', 'p99', 'max', 'downtime p50', 'predicted', 'over'].concat([
      'overhead p50',
      'target met',
    ]),
    rows: r.perDisks.map((s) => [
      s.key,
      s.plan,
      s.n,
      fmt(s.idleP50),
      fmt(s.idleP95),
      fmt(s.idleP99),
      fmt(s.idleMax),
      fmt(s.downtimeP50),
      fmt(s.predictedDowntime),
      fmt(s.overDowntimeP50),
      fmt(s.overheadP50),
      mark(s.idleP50 <= TARGETS.idleP50Ms && s.idleP99 <= TARGETS.idleP99Ms),
    ]),
  };
}

/** The evacuation benchmark's target: makespan within 10% of the ideal bound. */
export const EVACUATION_TARGET_RATIO = 1.1;

export function evacuationTables(r: EvacuationBench, mark: (ok: boolean) => string): BenchTable[] {
  const { shape, caps, continueAsNewAfter } = r.settings;
  const allowed = allowedConcurrency(shape, caps);
  const most = (seen: Record<string, number>) => Math.max(...Object.values(seen));
  return [
    {
      title:
        `${r.migrations} VMs evacuated from ${shape.sources} hosts at once to ${shape.destinations} (caps ${caps.perSource} per source, ` +
        `${caps.perDestination} per destination, ${caps.pool} per pool: ${allowed} at once; timeScale ${shape.timeScale}; ` +
        `load average ${r.load.min.toFixed(1)}–${r.load.max.toFixed(1)} on ${r.load.cores} cores; ms)`,
      head: ['migrated', 'makespan', 'ideal bound', 'makespan / bound', `≤ ${EVACUATION_TARGET_RATIO}`, 'wall'].concat([
        'sum of migrations',
        'longest',
        'migrations/s',
      ]),
      rows: [
        [`${r.migrated}/${r.migrations}`, fmt(r.makespanMs), fmt(r.boundMs), r.ratio.toFixed(3)]
          .concat([mark(r.ratio <= EVACUATION_TARGET_RATIO), fmt(r.wallMs), fmt(r.sumMs), fmt(r.longestMs)])
          .concat([r.perSecond.toFixed(2)]),
      ],
    },
    {
      title: 'Evacuation: slots, caps held, cost (ms; peak = most migrations at once on the hosts’ event log)',
      head: [
        'migration p50',
        'slot refill p50',
        'refill p95',
        'peak pool',
        'peak per source',
        'peak per destination',
      ].concat(['orchestrator CPU ms / migration', 'server CPU ms / migration', 'hosts CPU ms / migration']),
      rows: [
        [fmt(r.spanP50), fmt(r.refillP50), fmt(r.refillP95), r.peak.pool, most(r.peak.perSource)]
          .concat([most(r.peak.perDestination), fmt(r.orchestratorCpuMsPerMigration)])
          .concat([fmt(r.serverCpuMsPerMigration), fmt(r.hostsCpuMsPerMigration)]),
      ],
    },
    {
      title: 'Where a slot’s refill goes: one migration’s end marker → the next one’s first atom (ms)',
      head: ['step', 'n', 'p50', 'p95'],
      rows: r.refillSteps.map((s) => [s.step, s.n, fmt(s.p50), fmt(s.p95)]),
    },
    {
      title: `Evacuation workflows' history (continue-as-new after ${continueAsNewAfter} migrations)`,
      head: ['workflow', 'runs', 'events per run'],
      rows: r.histories.map((h) => [h.workflowId, h.events.length, h.events.join(', ')]),
    },
    {
      title: 'Evacuation: peak resident memory per process',
      head: ['process', 'peak RSS MiB'],
      rows: Object.entries(r.peakRssMiB).map(([p, mib]) => [p, fmt(mib)]),
    },
  ];
}
