// Predicted durations from the latency model: Serial adds, Parallel takes the longest branch.
// Used by `liveshift plan` and the benchmark to show what each plan should cost before anything
// runs. Atoms only: a prediction never includes an orchestration allowance.
import { ATOM_TRAITS } from './atom-traits';
import type { Plan } from './atoms';
import { atomLatencyMs } from './latency';
import type { MigrationPlan } from './planner';
import type { Pool } from './pool';

export function predictMs(pool: Pool, plan: Plan): number {
  if (plan.kind === 'atom') return atomLatencyMs(pool, plan.call) * pool.timeScale;
  const parts = plan.steps.map((s) => predictMs(pool, s));
  return plan.kind === 'serial' ? parts.reduce((a, b) => a + b, 0) : Math.max(0, ...parts);
}

/** Downtime runs from the end of the atom that opens the window to the end of the downtime phase. */
export function predictDowntimeMs(pool: Pool, m: MigrationPlan): number {
  const { plan } = m.phases.downtime;
  if (plan.kind === 'atom') return 0;
  const opener = plan.steps.findIndex((s) => s.kind === 'atom' && ATOM_TRAITS[s.call.atom].opensWindow);
  return predictMs(pool, { ...plan, steps: plan.steps.slice(opener + 1) });
}
