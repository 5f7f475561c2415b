// Before each atom of a downtime window run directly: an accepted abort stops the window, and
// before the point of no return the runner commits in the pool, where an abort and the commit
// cannot both win (sim/control.ts). Runs where the atoms are dispatched: on the host's agent.
import { isPointOfNoReturn } from '../domain/atom-traits';
import type { AtomCall } from '../domain/atoms';
import { FailureType } from '../domain/errors';
import type { MigrationControl } from '../domain/toolstack';
import { DispatchFailed } from './errors';

export function checkAbort(control: MigrationControl, call: AtomCall): void {
  if (call.phase !== 'downtime') return;
  const reason = isPointOfNoReturn(call) ? control.commit(call.migrationId) : control.abortRequested(call.migrationId);
  if (reason !== null) throw new DispatchFailed(FailureType.Aborted, `aborted: ${reason}`, 0);
}
