// The switchover runner: one activity that runs a whole direct phase (the downtime window, a
// rollback's restore) with the plan language's own interpreter, dispatching each atom straight to
// its host's agent (agent/dispatch.ts). Nothing but a loopback round trip sits between two atoms.
// Every atom still runs in its host's process and is timed by that host; the report lists each
// one with its outcome, and an atom failure ends the phase with a report, never a thrown error, so
// Temporal retries this activity only when the runner itself was lost (its process died).
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { DispatchFailed, type DirectDispatcher } from '../agent/dispatch';
import { isPointOfNoReturn } from '../domain/atom-traits';
import type { AtomCall } from '../domain/atoms';
import { FailureType } from '../domain/errors';
import { interpret } from '../domain/interpret';
import {
  switchoverInputSchema,
  type FailureInfo,
  type ReportedAtom,
  type SwitchoverReport,
} from '../domain/switchover';
import type { MigrationControl } from '../domain/toolstack';
import { zodMessage } from '../domain/zod-message';

const HEARTBEAT_EVERY_MS = 250;

export interface SwitchoverDeps {
  control: MigrationControl;
  dispatcher: DirectDispatcher;
}

export function createSwitchoverActivities(deps: SwitchoverDeps) {
  return {
    async switchover(raw: unknown): Promise<SwitchoverReport> {
      const input = switchoverInputSchema.safeParse(raw);
      if (!input.success)
        throw ApplicationFailure.create({
          type: FailureType.BadRequest,
          nonRetryable: true,
          message: `switchover: ${zodMessage(input.error)}`,
        });
      const { phase, timeScale } = input.data;
      const ctx = Context.current();
      const atoms: ReportedAtom[] = [];
      const beat = setInterval(() => ctx.heartbeat({ atomsSettled: atoms.length }), HEARTBEAT_EVERY_MS);
      try {
        await interpret(phase.plan, (call) => runAtom(deps, call, timeScale, ctx.cancellationSignal, atoms));
        return { atoms };
      } catch (err) {
        return { atoms, failure: failureInfo(err) };
      } finally {
        clearInterval(beat);
      }
    },
  };
}
export type SwitchoverActivities = ReturnType<typeof createSwitchoverActivities>;

async function runAtom(
  deps: SwitchoverDeps,
  call: AtomCall,
  timeScale: number,
  signal: AbortSignal,
  atoms: ReportedAtom[],
): Promise<void> {
  checkAbort(deps.control, call);
  try {
    const { result, attempts } = await deps.dispatcher.run(call, timeScale, signal);
    atoms.push({ call, attempts, outcome: { result } });
  } catch (err) {
    const attempts = err instanceof DispatchFailed ? err.attempts : 1;
    atoms.push({ call, attempts, outcome: { failure: failureInfo(err) } });
    throw err;
  }
}

/**
 * Before each atom of the downtime: an accepted abort stops the phase. Before the point of no
 * return the runner commits in the pool, where an abort and the commit cannot both win.
 */
function checkAbort(control: MigrationControl, call: AtomCall): void {
  if (call.phase !== 'downtime') return;
  const reason = isPointOfNoReturn(call) ? control.commit(call.migrationId) : control.abortRequested(call.migrationId);
  if (reason !== null) throw new DispatchFailed(FailureType.Aborted, `aborted: ${reason}`, 0);
}

function failureInfo(err: unknown): FailureInfo {
  if (err instanceof DispatchFailed) return { type: err.type, message: err.message };
  return { type: 'Error', message: err instanceof Error ? err.message : String(err) };
}
