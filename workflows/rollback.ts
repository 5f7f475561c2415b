// Running the compiled rollback plan (domain/rollback.ts): restore, then clean the destination.
// The restore ends the pause of a suspended VM, so it is dispatched directly like the downtime.
import { ApplicationFailure, TimeoutFailure } from '@temporalio/common';
import { CancellationScope, patched } from '@temporalio/workflow';
import type { AtomCall } from '../domain/atoms';
import { causeOfFailureType, type RollbackCause } from '../domain/rollback-cause';
import { planRollback, precopyPauses } from '../domain/rollback';
import { Interpreter } from './interpreter';
import type { Ending, Run } from './run';
import { PATCHES } from './patches';

export async function rollBack(
  run: Run,
  attempted: AtomCall[],
  reason: string,
  rollbackCause: RollbackCause,
): Promise<Ending> {
  const { m, state, pool } = run;
  const hooks = {
    beforeDispatch: () => state.enter('rollback'),
    dispatched: () => undefined,
    settled: (c: AtomCall, o: Parameters<typeof state.record>[1]) => state.record(c, o),
  };
  const undo = new Interpreter(run.timeScale, hooks, run.direct);
  // Asked only where it can change the plan, so other histories carry no marker.
  const unpauseAfterPrecopy = precopyPauses(m) && patched(PATCHES.unpauseAfterPrecopy);
  const { phases } = planRollback(m, attempted, { unpauseAfterPrecopy });
  try {
    await CancellationScope.nonCancellable(() => undo.runPhase(phases.restore));
  } catch (err) {
    return {
      outcome: 'failed',
      reason: `${reason}; rollback could not restore the VM on ${m.from}: ${describeFailure(err)}`,
      rollbackCause,
    };
  }
  // The VM runs on the source again; a destination that cannot be cleaned (a dead host) does not
  // undo that, but the record says what was left behind.
  const leftover = await CancellationScope.nonCancellable(() => undo.runPhase(phases.cleanDestination)).then(
    () => undefined,
    (err: unknown) => describeFailure(err),
  );
  // The record must say truthfully where the VM is: a rollback only counts once the hosts
  // confirm the VM runs on the source alone. (Added after histories were recorded: patched.)
  if (patched(PATCHES.verifyRollback)) {
    const hosts = await pool.vmRunningOn(m.vmUuid);
    if (hosts.length !== 1 || hosts[0] !== m.from)
      return {
        outcome: 'failed',
        reason: `${reason}; after rollback the VM runs on [${hosts.join(', ')}], not on ${m.from}`,
        rollbackCause,
      };
  }
  return {
    outcome: 'rolled-back',
    reason: leftover === undefined ? reason : `${reason}; destination cleanup incomplete: ${leftover}`,
    rollbackCause,
  };
}

/** The innermost message of a failure chain (activity failure → application failure). */
export function describeFailure(err: unknown): string {
  let e: unknown = err;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  return e instanceof Error ? e.message : String(e);
}

/**
 * The failure chain's cause label (domain/rollback-cause.ts): the outermost failure that names one
 * — an atom's typed failure (fault, host unreachable, aborted inside the window) or a timeout.
 */
export function rollbackCauseOf(err: unknown): RollbackCause {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (e instanceof TimeoutFailure) return 'timeout';
    const cause = e instanceof ApplicationFailure ? causeOfFailureType(e.type) : undefined;
    if (cause) return cause;
  }
  return 'other';
}
