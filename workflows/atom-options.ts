// Temporal activity options for task-queue dispatch, derived from the atom table (domain/
// atom-traits.ts) and the phase table (domain/phase-policy.ts). Times are at timeScale 1 and
// stretched by the pool's timeScale when it is above 1. The bounds are the operator's guarantee of
// how long a dead or hung host can stall a migration (docs/timeouts.md).
import {
  ActivityCancellationType,
  type ActivityOptions,
  type LocalActivityOptions,
  type RetryPolicy,
} from '@temporalio/common';
import { ATOM_TRAITS } from '../domain/atom-traits';
import type { AtomCall, AtomName, Phase } from '../domain/atoms';
import { PHASE_POLICY, type RetryRule } from '../domain/phase-policy';

export const retryPolicy = (r: RetryRule): RetryPolicy => ({
  initialInterval: r.initialMs,
  backoffCoefficient: r.coefficient,
  maximumInterval: r.maximumMs,
  ...(r.maximumAttempts !== undefined ? { maximumAttempts: r.maximumAttempts } : {}),
  nonRetryableErrorTypes: [...r.nonRetryable],
});

export function atomOptions(atom: AtomName, phase: Phase, timeScale: number): ActivityOptions {
  const t = ATOM_TRAITS[atom].timeouts;
  const stretch = Math.max(1, timeScale);
  const { hostWaitMs, retry } = PHASE_POLICY[phase];
  return {
    // Not retried: a host nobody serves fails the atom within it.
    ...(hostWaitMs !== undefined ? { scheduleToStartTimeout: hostWaitMs * stretch } : {}),
    startToCloseTimeout: t.startToCloseMs * stretch,
    scheduleToCloseTimeout: t.scheduleToCloseMs * stretch,
    ...(t.heartbeatMs !== undefined ? { heartbeatTimeout: t.heartbeatMs } : {}),
    retry: retryPolicy(retry),
    // A cancelled atom is waited for, so a rollback never races an atom still taking effect.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  };
}

/**
 * The switchover activity (a whole phase, direct dispatch). Its runner enforces every atom's own
 * bounds; these only catch a runner that died with its process: the heartbeat notices it and a
 * retry re-runs the phase from its first atom (every atom is idempotent). Atom failures are never
 * thrown, they are in the report, so a retry here is never a retry of a failed atom.
 */
export function switchoverOptions(calls: readonly AtomCall[], timeScale: number): ActivityOptions {
  return { ...leadStepOptions(calls, timeScale), heartbeatTimeout: SWITCHOVER_HEARTBEAT_MS };
}

/**
 * The same runner as a local activity (a migration's first step when it is granted a slot). It
 * runs in the orchestrator that holds the workflow task, so there is no lost runner to notice: a
 * restarted orchestrator replays the task and runs the step again (every atom is idempotent).
 */
export function leadStepOptions(calls: readonly AtomCall[], timeScale: number): LocalActivityOptions {
  const stretch = Math.max(1, timeScale);
  const budget = calls.reduce((sum, c) => sum + ATOM_TRAITS[c.atom].timeouts.scheduleToCloseMs, 0) * stretch;
  return {
    startToCloseTimeout: budget,
    retry: {
      initialInterval: 100,
      backoffCoefficient: 2,
      maximumInterval: 1_000,
      maximumAttempts: 5,
      nonRetryableErrorTypes: ['BadRequest'],
    },
  };
}

/** The runner heartbeats every few hundred ms; a runner silent for this long is presumed dead. */
export const SWITCHOVER_HEARTBEAT_MS = 2_000;
