// Workflows of the dispatch benchmark (bench/levers.ts): a chain of steps, each one activity on a
// task queue, or one local activity. Each step returns when it ran, as the host process saw it.
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { LeverActivities } from './levers-activities';

const queued = proxyActivities<LeverActivities>({ startToCloseTimeout: '10 seconds', taskQueue: 'levers-host' });
const local = proxyLocalActivities<LeverActivities>({ startToCloseTimeout: '10 seconds' });

export interface Step {
  startMs: number;
  endMs: number;
}

/** `steps` sequential no-op steps dispatched through the host's task queue. */
export async function queuedChain(steps: number): Promise<Step[]> {
  const out: Step[] = [];
  for (let i = 0; i < steps; i++) out.push(await queued.step());
  return out;
}

/** The same, each step a local activity that calls the host's agent (`viaAgent`) or does nothing. */
export async function localChain(steps: number, viaAgent: boolean): Promise<Step[]> {
  const out: Step[] = [];
  for (let i = 0; i < steps; i++) out.push(viaAgent ? await local.agentStep() : await local.step());
  return out;
}
