// Sequential migrations, each measured by the hosts and set beside what the latency model predicts
// for the same plan (the prediction never includes an orchestration allowance).
import { attachOnDowntimePath } from '../domain/measure';
import { planMigration } from '../domain/planner';
import { predictDowntimeMs, predictMs } from '../domain/predict';
import type { PlanKind } from '../domain/request';
import type { Stack } from '../workers/stack';
import { median, percentile } from './stats';

export interface Sample {
  vm: string;
  plan: PlanKind;
  disks: number;
  downtimeMs: number;
  predictedDowntimeMs: number;
  idleMs: number;
  totalMs: number;
  predictedTotalMs: number;
  attachOnPathMs: number;
}

export async function migrateSampled(stack: Stack, vm: string, to: string, plan: PlanKind): Promise<Sample> {
  const snapshot = stack.sim.snapshot();
  const m = planMigration(snapshot, { vm, to, plan }, 'bench');
  const r = await stack.migrate({ vm, to, plan });
  if (r.outcome !== 'migrated') throw new Error(`${vm} ${plan}: ${r.outcome} (${r.reason ?? ''})`);
  return {
    vm,
    plan,
    disks: m.vbds.length,
    downtimeMs: r.downtimeMs,
    predictedDowntimeMs: predictDowntimeMs(snapshot, m),
    idleMs: r.idleInDowntimeMs,
    totalMs: r.totalMs,
    predictedTotalMs: predictMs(snapshot, m.plan),
    attachOnPathMs: attachOnDowntimePath(r),
  };
}

/**
 * `rounds` times: every VM out with early attach and back with the legacy plan. A first round is
 * run and not counted: it warms up freshly started processes (code not yet compiled).
 */
export async function runSeries(stack: Stack, vms: string[], rounds: number, log: (s: string) => void) {
  const samples: Sample[] = [];
  for (let round = 0; round <= rounds; round++) {
    for (const vm of vms) {
      const home = stack.sim.snapshot().vms.find((v) => v.name === vm)!.residentOn;
      const away = stack.sim.snapshot().hosts.find((h) => h.name !== home)!.name;
      const pair = [
        await migrateSampled(stack, vm, away, 'early-attach'),
        await migrateSampled(stack, vm, home, 'legacy'),
      ];
      if (round > 0) samples.push(...pair);
    }
    log(round === 0 ? '  warm-up round done' : `  round ${round}/${rounds} done`);
  }
  return samples;
}

export interface Summary {
  plan: PlanKind;
  key: string;
  n: number;
  downtimeP50: number;
  predictedDowntime: number;
  overDowntimeP50: number;
  idleP50: number;
  idleP95: number;
  idleP99: number;
  idleMax: number;
  attachOnPathP50: number;
  overheadP50: number;
}

export function summarize(plan: PlanKind, key: string, xs: Sample[]): Summary {
  return {
    plan,
    key,
    n: xs.length,
    downtimeP50: median(xs.map((s) => s.downtimeMs)),
    predictedDowntime: median(xs.map((s) => s.predictedDowntimeMs)),
    overDowntimeP50: median(xs.map((s) => s.downtimeMs - s.predictedDowntimeMs)),
    idleP50: median(xs.map((s) => s.idleMs)),
    idleP95: percentile(
      xs.map((s) => s.idleMs),
      95,
    ),
    idleP99: percentile(
      xs.map((s) => s.idleMs),
      99,
    ),
    idleMax: Math.max(...xs.map((s) => s.idleMs)),
    attachOnPathP50: median(xs.map((s) => s.attachOnPathMs)),
    overheadP50: median(xs.map((s) => s.totalMs - s.predictedTotalMs)),
  };
}

/** What early attach saved against what the legacy plan put on the window's critical path. */
export function saving(early: Summary, legacy: Summary) {
  const savedMs = legacy.downtimeP50 - early.downtimeP50;
  const onPathMs = legacy.attachOnPathP50 - early.attachOnPathP50;
  return { savedMs, onPathMs, share: onPathMs > 0 ? savedMs / onPathMs : Number.NaN };
}
