// Pool-level activities, run by the orchestrator worker: the inventory snapshot the planner reads,
// measurement from the hypervisors' own events, and the end-of-migration record — where the
// orchestrator's metrics count the migration (metrics/migration-metrics.ts).
import { Context } from '@temporalio/activity';
import { z } from 'zod';
import { MIGRATION_END_OP } from '../domain/events';
import { measure, type Measurement } from '../domain/measure';
import type { Pool, PoolSnapshot } from '../domain/pool';
import { planKindSchema, type Outcome, type PlanKind } from '../domain/request';
import { rollbackCauseSchema, type RollbackCause } from '../domain/rollback-cause';
import type { Inventory, MigrationControl } from '../domain/toolstack';
import type { MigrationMetrics } from '../metrics/migration-metrics';
import type { SlotReleases } from './slot-releases';

/** Where a migration's end frees the evacuation slot it held (none when it held none). */
export interface SlotRelease {
  pool: { releaseSlot(workflowId: string): void };
  releases: SlotReleases;
}

export interface MigrationEnd {
  migrationId: string;
  vmUuid: string;
  outcome: Outcome;
  atMs: number;
  /** For the metrics; absent in histories recorded before them (nothing is counted then). */
  plan?: PlanKind;
  /** How many disks the plan attached before the window. */
  earlyAttached?: number;
  /** Present when the migration rolled back. */
  rollbackCause?: RollbackCause;
}

export interface FinishedMigration {
  /** What breaks invariants 2 or 4 (none, normally). */
  problems: string[];
  measured: Measurement;
}

/** What the metrics read of an end; without it (an older history's input) nothing is counted. */
const countedSchema = z.object({
  plan: planKindSchema,
  earlyAttached: z.number().int().min(0).default(0),
  rollbackCause: rollbackCauseSchema.optional(),
});

export function createPoolActivities(
  inventory: Inventory & MigrationControl,
  metrics?: MigrationMetrics,
  slots?: SlotRelease,
) {
  function recordEnd(end: MigrationEnd): string[] {
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
    // The end marker is the slot's end: a queued migration may take it at once.
    const workflowId = Context.current().info.workflowExecution?.workflowId;
    if (slots && workflowId !== undefined) {
      slots.pool.releaseSlot(workflowId);
      slots.releases.released();
    }
    const leaked = inventory.attachments(end.vmUuid).filter((a) => a.host !== hosts[0]);
    const problems = leaked.map((a) => `invariant 4: ${a.device} still attached on ${a.host}`);
    if (hosts.length !== 1) problems.unshift(`invariant 2: VM running on ${hosts.length} hosts`);
    return problems;
  }

  const measured = (migrationId: string, originMs: number) => measure(inventory.events(migrationId), originMs);

  return {
    async snapshotPool(): Promise<Pool> {
      return inventory.snapshot();
    },
    /**
     * The snapshot an evacuation's migration plans from: the pool with only its own VM (the whole
     * list if the pool no longer has it, for the error). The planner reads nothing of the other
     * VMs, and at 200 VMs the whole pool is some 40 KB in every migration's history.
     */
    async snapshotForVm(vm: string): Promise<PoolSnapshot> {
      const pool = inventory.snapshot();
      const own = pool.vms.filter((v) => v.name === vm);
      return own.length > 0 ? { ...pool, vms: own } : pool;
    },
    /** An abort while the downtime runs directly: accepted only before the runner commits. */
    async requestAbort(a: { migrationId: string; reason: string }): Promise<'accepted' | 'too-late'> {
      return inventory.requestAbort(a.migrationId, a.reason);
    },
    async vmRunningOn(vmUuid: string): Promise<string[]> {
      return inventory.runningOn(vmUuid);
    },
    async measureMigration(migrationId: string, originMs: number): Promise<Measurement> {
      return measured(migrationId, originMs);
    },
    /** Writes the end marker the audit checks; returns what breaks invariants 2 or 4 (none, normally). */
    async endMigration(end: MigrationEnd): Promise<string[]> {
      const problems = recordEnd(end);
      if (metrics) count(metrics, end, problems, measured(end.migrationId, 0));
      return problems;
    },
    /**
     * The end marker, stamped now, then the measurement: one step after the last atom, so an
     * evacuation's next migration gets the slot as soon as the marker is written.
     */
    async finishMigration(a: Omit<MigrationEnd, 'atMs'> & { originMs: number }): Promise<FinishedMigration> {
      const { originMs, ...rest } = a;
      const end = { ...rest, atMs: Date.now() };
      const problems = recordEnd(end);
      // Measured once, for the result and the metrics alike (the downtime does not depend on the origin).
      const result = { problems, measured: measured(end.migrationId, originMs) };
      if (metrics) count(metrics, end, problems, result.measured);
      return result;
    },
  };
}
export type PoolActivities = ReturnType<typeof createPoolActivities>;

/**
 * The migration as its result will say: a violated invariant makes the outcome `failed` (as the
 * workflow does with these problems), and the downtime is measured from the same hosts' events as
 * the result's (measureMigration), so the histograms agree with the results.
 */
function count(metrics: MigrationMetrics, end: MigrationEnd, problems: string[], measured: Measurement): void {
  const counted = countedSchema.safeParse(end);
  if (!counted.success) return;
  const { plan, earlyAttached, rollbackCause } = counted.data;
  metrics.record({
    migrationId: end.migrationId,
    plan,
    outcome: problems.length === 0 ? end.outcome : 'failed',
    downtime: measured.window ? measured : null,
    earlyAttached,
    ...(rollbackCause ? { rollbackCause } : {}),
  });
}
