// The benchmark's tables, each with the target it is read against (docs/performance.md).
import { table } from '../cli/format';
import type { Sample, Summary } from './series';
import type { EvacuationBench } from './evacuation';
import { benchTables, evacuationTables, type BenchTable } from './tables';
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

/** Prints every table of a run to the console. */
export function printReport(r: Report): void {
  print(benchTables(r, (ok) => (ok ? 'yes' : 'NO')));
}

/** Prints the evacuation benchmark's tables, and what failed it. */
export function printEvacuation(r: EvacuationBench): void {
  print(evacuationTables(r, (ok) => (ok ? 'yes' : 'NO')));
  for (const v of r.violations) console.log(`VIOLATION: ${v}`);
}

const print = (tables: BenchTable[]) => {
  for (const t of tables) console.log(`\n${t.title}\n\n${table(t.head, t.rows)}`);
};
