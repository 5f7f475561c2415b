// The benchmark's tables, each with the target it is read against (docs/performance.md).
import { table } from '../cli/format';
import type { Sample, Summary } from './series';
import { fmt } from './stats';
import type { ThroughputResult } from './throughput';

export interface Report {
  at: string;
  settings: Record<string, unknown>;
  perVm: { vm: string; early: Summary; legacy: Summary; savedMs: number; onPathMs: number; share: number }[];
  perDisks: Summary[];
  overhead: Summary[];
  throughput: ThroughputResult;
  samples: { example: Sample[]; disks: Sample[] };
}

/** The targets: idle p50 ≤ 5 ms and p99 ≤ 20 ms; downtime within 10 ms of the model; saving ≥ 95%. */
export const TARGETS = { idleP50Ms: 5, idleP99Ms: 20, overPredictionMs: 10, savingShare: 0.95 } as const;

const mark = (ok: boolean) => (ok ? 'yes' : 'NO');

export function printReport(r: Report): void {
  console.log('\nExample pool, median per VM (ms, measured by the hosts; prediction from the latency model)\n');
  console.log(
    table(
      [
        'VM',
        'legacy',
        'early-attach',
        'predicted',
        'early − predicted',
        'saved',
        'attach on path',
        'saved/on path',
        'ok',
      ],
      r.perVm.map((v) => {
        const ok = v.early.overDowntimeP50 <= TARGETS.overPredictionMs && v.share >= TARGETS.savingShare;
        const share = `${(v.share * 100).toFixed(1)}%`;
        return [
          v.vm,
          fmt(v.legacy.downtimeP50),
          fmt(v.early.downtimeP50),
          fmt(v.early.predictedDowntime),
          fmt(v.early.overDowntimeP50),
          fmt(v.savedMs),
          fmt(v.onPathMs),
          share,
          mark(ok),
        ];
      }),
    ),
  );
  console.log(
    `\nIdle time inside the downtime window by disk count (ms; target p50 ≤ ${TARGETS.idleP50Ms}, p99 ≤ ${TARGETS.idleP99Ms})\n`,
  );
  console.log(
    table(
      [
        'disks',
        'plan',
        'n',
        'idle p50',
        'p95',
        'p99',
        'max',
        'downtime p50',
        'predicted',
        'over',
        'overhead p50',
        'ok',
      ],
      r.perDisks.map((s) => {
        const ok = s.idleP50 <= TARGETS.idleP50Ms && s.idleP99 <= TARGETS.idleP99Ms;
        return [
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
          mark(ok),
        ];
      }),
    ),
  );
  console.log('\nOrchestration overhead of a whole migration, example pool (total − predicted total, ms)\n');
  console.log(
    table(
      ['plan', 'n', 'overhead p50', 'idle p50'],
      r.overhead.map((s) => [s.plan, s.n, fmt(s.overheadP50), fmt(s.idleP50)]),
    ),
  );
  const t = r.throughput;
  console.log(`\n${t.migrations} migrations at once on distinct VMs\n`);
  console.log(
    table(
      [
        'migrated',
        'makespan ms',
        'migrations/s',
        'orchestrator CPU ms/migration',
        'server CPU ms/migration',
        'idle p50',
        'idle p99',
        'downtime p50',
      ],
      [
        [
          `${t.migrated}/${t.migrations}`,
          fmt(t.makespanMs),
          t.perSecond.toFixed(2),
          fmt(t.orchestratorCpuMsPerMigration),
          fmt(t.serverCpuMsPerMigration),
          fmt(t.idleP50),
          fmt(t.idleP99),
          fmt(t.downtimeP50),
        ],
      ],
    ),
  );
  console.log('\nPeak resident memory per process (MiB)\n');
  console.log(
    table(
      ['process', 'peak RSS MiB'],
      Object.entries(t.peakRssMiB).map(([p, mib]) => [p, fmt(mib)]),
    ),
  );
}
