// Pool-level activities, run by the orchestrator worker: the inventory snapshot the planner reads,
// measurement from the hypervisors' own events, and the end-of-migration record.
import { MIGRATION_END_OP } from '../domain/events';
import { measure, type Measurement } from '../domain/measure';
import type { Pool } from '../domain/pool';
import type { Inventory, MigrationControl } from '../domain/toolstack';

export interface MigrationEnd {
  migrationId: string;
  vmUuid: string;
  outcome: string;
  atMs: number;
}

export function createPoolActivities(inventory: Inventory & MigrationControl) {
  return {
    async snapshotPool(): Promise<Pool> {
      return inventory.snapshot();
    },
    /** An abort while the downtime runs directly: accepted only before the runner commits. */
    async requestAbort(a: { migrationId: string; reason: string }): Promise<'accepted' | 'too-late'> {
      return inventory.requestAbort(a.migrationId, a.reason);
    },
    async vmRunningOn(vmUuid: string): Promise<string[]> {
      return inventory.runningOn(vmUuid);
    },
    async measureMigration(migrationId: string, originMs: number): Promise<Measurement> {
      return measure(inventory.events(migrationId), originMs);
    },
    /** Writes the end marker the audit checks; returns what breaks invariants 2 or 4 (none, normally). */
    async endMigration(end: MigrationEnd): Promise<string[]> {
      const hosts = inventory.runningOn(end.vmUuid);
      inventory.appendEvent({
        host: hosts[0] ?? '-',
        op: MIGRATION_END_OP,
        vmUuid: end.vmUuid,
        migrationId: end.migrationId,
        startMs: end.atMs,
        endMs: end.atMs,
        detail: end.outcome,
      });
      const leaked = inventory.attachments(end.vmUuid).filter((a) => a.host !== hosts[0]);
      const problems = leaked.map((a) => `invariant 4: ${a.device} still attached on ${a.host}`);
      if (hosts.length !== 1) problems.unshift(`invariant 2: VM running on ${hosts.length} hosts`);
      return problems;
    },
  };
}
export type PoolActivities = ReturnType<typeof createPoolActivities>;
