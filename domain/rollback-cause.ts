// Why a migration rolled back, as one of a few fixed labels: the rollbacks counter of the
// orchestrator's metrics (metrics/migration-metrics.ts) counts by it, so it must stay small and
// closed — the free-text reason stays in the result.
import { z } from 'zod';
import { FailureType } from './errors';

export const rollbackCauseSchema = z.enum(['aborted', 'fault', 'timeout', 'host-unreachable', 'other']);
export type RollbackCause = z.infer<typeof rollbackCauseSchema>;
export const ROLLBACK_CAUSES: readonly RollbackCause[] = rollbackCauseSchema.options;

/** Failure types a host raises when one of its atoms fails or is refused there. */
const ATOM_FAILURES: readonly string[] = [
  FailureType.InjectedFault,
  FailureType.HypervisorError,
  FailureType.PreconditionFailed,
  FailureType.NoAttachRecord,
  FailureType.UnreadableRecord,
  FailureType.InvariantViolation,
];

/** The cause a failure type stands for; undefined when the type says nothing (look further down the chain). */
export function causeOfFailureType(type: string | null | undefined): RollbackCause | undefined {
  if (type === FailureType.Aborted || type === FailureType.TooLate) return 'aborted';
  if (type === FailureType.HostUnreachable) return 'host-unreachable';
  if (type && ATOM_FAILURES.includes(type)) return 'fault';
  return undefined;
}
