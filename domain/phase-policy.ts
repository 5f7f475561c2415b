// Per-phase policies, one table: how long an atom may wait for its host, and how it is retried.
// The workflow turns them into Temporal activity options (task-queue dispatch, workflows/
// atom-options.ts); the switchover runner applies the same numbers itself (direct dispatch).
import type { Phase } from './atoms';
import { NON_RETRYABLE_FAILURES, type FailureType } from './errors';

export interface RetryRule {
  initialMs: number;
  coefficient: number;
  maximumMs: number;
  /** Absent: no attempt limit (only forward). */
  maximumAttempts?: number;
  nonRetryable: readonly FailureType[];
}

export interface PhasePolicy {
  /**
   * How long an atom may wait for its host: a host whose worker (or agent) is gone fails the atom
   * within this, then the rollback rules apply; a crashed worker is restarted well within it.
   * Absent for cleanup: after the unpause the only way is forward, so it waits for the host.
   */
  hostWaitMs?: number;
  retry: RetryRule;
}

const rule = (initialMs: number, maximumMs: number, maximumAttempts?: number): RetryRule => ({
  initialMs,
  coefficient: 2,
  maximumMs,
  ...(maximumAttempts !== undefined ? { maximumAttempts } : {}),
  nonRetryable: NON_RETRYABLE_FAILURES,
});

/** Inside downtime every retry is paid in downtime: few, fast. Cleanup only goes forward. */
export const PHASE_POLICY: Record<Phase, PhasePolicy> = {
  prepare: { hostWaitMs: 10_000, retry: rule(200, 2_000, 4) },
  precopy: { hostWaitMs: 10_000, retry: rule(500, 5_000, 3) },
  downtime: { hostWaitMs: 5_000, retry: rule(20, 200, 3) },
  rollback: { hostWaitMs: 10_000, retry: rule(50, 2_000, 10) },
  cleanup: { retry: rule(500, 30_000) },
};

/** The wait before attempt `attempt + 1` (attempt counts from 1). */
export function backoffMs(r: RetryRule, attempt: number): number {
  return Math.min(r.maximumMs, r.initialMs * r.coefficient ** (attempt - 1));
}
