// Timeouts and retry policies: one table per atom kind, one retry policy per phase. Times are at
// timeScale 1 and stretched by the pool's timeScale when it is above 1. The bounds are the
// operator's guarantee of how long a dead or hung host can stall a migration (README "Timeouts").
import { ActivityCancellationType, type ActivityOptions, type RetryPolicy } from '@temporalio/common';
import type { AtomName, Phase } from '../domain/atoms';
import { NON_RETRYABLE_FAILURES } from '../domain/errors';

interface AtomTimeouts {
  /** One attempt. */
  startToCloseMs: number;
  /** All attempts, queue time included: a host whose worker is gone fails within this. */
  scheduleToCloseMs: number;
  /** Long atoms heartbeat; a hung or dead host is noticed within this. */
  heartbeatMs?: number;
}

export const ATOM_TIMEOUTS: Record<AtomName, AtomTimeouts> = {
  VM_create: { startToCloseMs: 5_000, scheduleToCloseMs: 30_000 },
  VIF_plug: { startToCloseMs: 5_000, scheduleToCloseMs: 30_000 },
  VBD_set_active: { startToCloseMs: 2_000, scheduleToCloseMs: 20_000 },
  VBD_attach: { startToCloseMs: 30_000, scheduleToCloseMs: 60_000, heartbeatMs: 2_000 },
  VM_precopy: { startToCloseMs: 600_000, scheduleToCloseMs: 900_000, heartbeatMs: 2_000 },
  VM_suspend: { startToCloseMs: 2_000, scheduleToCloseMs: 8_000 },
  VM_memory_final: { startToCloseMs: 60_000, scheduleToCloseMs: 90_000, heartbeatMs: 2_000 },
  VBD_deactivate: { startToCloseMs: 2_000, scheduleToCloseMs: 8_000 },
  VM_rename: { startToCloseMs: 2_000, scheduleToCloseMs: 8_000 },
  VBD_activate: { startToCloseMs: 2_000, scheduleToCloseMs: 8_000 },
  VM_unpause: { startToCloseMs: 2_000, scheduleToCloseMs: 8_000 },
  VBD_detach: { startToCloseMs: 30_000, scheduleToCloseMs: 600_000, heartbeatMs: 2_000 },
  VM_destroy: { startToCloseMs: 10_000, scheduleToCloseMs: 600_000 },
};

const nonRetryableErrorTypes = [...NON_RETRYABLE_FAILURES];

/**
 * How long an atom may wait for its host to pick it up: a host whose worker is gone fails the atom
 * within this (not retried), then the rollback rules apply. A crashed worker is restarted well
 * within it. Cleanup has none: after the unpause the only way is forward, so it waits for the host.
 */
export const PHASE_SCHEDULE_TO_START_MS: Record<Phase, number | undefined> = {
  prepare: 10_000,
  precopy: 10_000,
  downtime: 5_000,
  rollback: 10_000,
  cleanup: undefined,
};

/** Inside downtime every retry is paid in downtime: few, fast. Cleanup only goes forward (no attempt limit). */
export const PHASE_RETRY: Record<Phase, RetryPolicy> = {
  prepare: {
    initialInterval: 200,
    backoffCoefficient: 2,
    maximumInterval: 2_000,
    maximumAttempts: 4,
    nonRetryableErrorTypes,
  },
  precopy: {
    initialInterval: 500,
    backoffCoefficient: 2,
    maximumInterval: 5_000,
    maximumAttempts: 3,
    nonRetryableErrorTypes,
  },
  downtime: {
    initialInterval: 20,
    backoffCoefficient: 2,
    maximumInterval: 200,
    maximumAttempts: 3,
    nonRetryableErrorTypes,
  },
  rollback: {
    initialInterval: 50,
    backoffCoefficient: 2,
    maximumInterval: 2_000,
    maximumAttempts: 10,
    nonRetryableErrorTypes,
  },
  cleanup: { initialInterval: 500, backoffCoefficient: 2, maximumInterval: 30_000, nonRetryableErrorTypes },
};

export function atomOptions(atom: AtomName, phase: Phase, timeScale: number): ActivityOptions {
  const t = ATOM_TIMEOUTS[atom];
  const stretch = Math.max(1, timeScale);
  const toStart = PHASE_SCHEDULE_TO_START_MS[phase];
  return {
    ...(toStart !== undefined ? { scheduleToStartTimeout: toStart * stretch } : {}),
    startToCloseTimeout: t.startToCloseMs * stretch,
    scheduleToCloseTimeout: t.scheduleToCloseMs * stretch,
    ...(t.heartbeatMs !== undefined ? { heartbeatTimeout: t.heartbeatMs } : {}),
    retry: PHASE_RETRY[phase],
    // A cancelled atom is waited for, so a rollback never races an atom still taking effect.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  };
}
