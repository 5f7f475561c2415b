// Predicted durations from the latency model: Serial adds, Parallel takes the longest branch.
// Used by `liveshift plan` to show what each plan should cost before anything runs.
import type { Plan } from './atoms';
import { atomLatencyMs } from './latency';
import type { MigrationPlan } from './planner';
import type { Pool } from './pool';

export function predictMs(pool: Pool, plan: Plan): number {
  if (plan.kind === 'atom') return atomLatencyMs(pool, plan.call) * pool.timeScale;
  const parts = plan.steps.map((s) => predictMs(pool, s));
  return plan.kind === 'serial' ? parts.reduce((a, b) => a + b, 0) : Math.max(0, ...parts);
}

/** Downtime runs from the end of VM_suspend to the end of the destination VM_unpause. */
export function predictDowntimeMs(pool: Pool, m: MigrationPlan): number {
  const downtime =
    m.plan.kind === 'atom' ? undefined : m.plan.steps.find((s) => s.kind === 'serial' && s.label === 'downtime');
  if (!downtime || downtime.kind === 'atom') return 0;
  return predictMs(pool, {
    ...downtime,
    steps: downtime.steps.filter((s) => !(s.kind === 'atom' && s.call.atom === 'VM_suspend')),
  });
}
