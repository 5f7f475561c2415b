// liveshift's own metrics, kept by the orchestrator process: recorded once per migration, when the
// orchestrator learns its result (the endMigration pool activity, activities/pool.ts), never from
// workflow code, which is replayed. That activity is a local activity and may run more than once
// for one migration (a retry, or a retry after this process lost the attempt's result), so a
// migration is counted once per process whatever the attempts: by its id (the workflow run id).
import { ROLLBACK_CAUSES, type RollbackCause } from '../domain/rollback-cause';
import { outcomeSchema, planKindSchema, type Outcome, type PlanKind } from '../domain/request';
import { Registry } from './exposition';

/** 1 ms to 10 s: a direct-dispatch window takes a few ms of orchestration plus its atoms' latency. */
export const DOWNTIME_BUCKETS_MS = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000] as const;
/** Idle time inside the window is orchestration overhead: a few ms normally, hundreds when something stalls. */
export const IDLE_BUCKETS_MS = [0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000] as const;

/** Ids remembered to make recording idempotent; a retry comes within seconds, long before this many ends. */
const REMEMBERED_IDS = 10_000;

export interface MigrationRecord {
  migrationId: string;
  plan: PlanKind;
  outcome: Outcome;
  /** From the hosts' events; null when the VM never paused (nothing to put in the downtime histograms). */
  downtime: { downtimeMs: number; idleInDowntimeMs: number } | null;
  /** Disks the plan attached before the window. */
  earlyAttached: number;
  /** Present when the migration rolled back (whatever the rollback's own outcome). */
  rollbackCause?: RollbackCause;
}

export class MigrationMetrics {
  readonly registry = new Registry();
  private readonly migrations = this.registry.counter(
    'liveshift_migrations_total',
    'Migrations that ended, by plan and outcome (migrated, rolled-back, failed).',
  );
  private readonly downtime = this.registry.histogram(
    'liveshift_downtime_milliseconds',
    "Downtime of migrations that paused the VM, from the hosts' events: source VM_suspend to the VM_unpause that resumed it.",
    DOWNTIME_BUCKETS_MS,
  );
  private readonly idle = this.registry.histogram(
    'liveshift_idle_in_downtime_milliseconds',
    'Part of the downtime in which no atom ran on any host: the orchestration overhead inside the window.',
    IDLE_BUCKETS_MS,
  );
  private readonly earlyAttached = this.registry.counter(
    'liveshift_early_attached_disks_total',
    'Disks attached before the downtime window (VBD_attach in the prepare phase) in migrations that migrated.',
  );
  private readonly rollbacks = this.registry.counter(
    'liveshift_rollbacks_total',
    'Migrations that rolled back, by cause (aborted, fault, timeout, host-unreachable, other).',
  );
  private readonly recorded = new Set<string>();

  constructor() {
    // Every series of a closed label set is scraped from the start (as 0): rate() and absent()
    // then see a series before its first event.
    for (const plan of planKindSchema.options)
      for (const outcome of outcomeSchema.options) this.migrations.inc({ plan, outcome }, 0);
    for (const cause of ROLLBACK_CAUSES) this.rollbacks.inc({ cause }, 0);
    this.earlyAttached.inc({}, 0);
  }

  /** Counts a migration's end; false (and nothing counted) when this migration was already counted. */
  record(r: MigrationRecord): boolean {
    if (this.recorded.has(r.migrationId)) return false;
    this.remember(r.migrationId);
    this.migrations.inc({ plan: r.plan, outcome: r.outcome });
    if (r.downtime) {
      this.downtime.observe({ plan: r.plan, outcome: r.outcome }, r.downtime.downtimeMs);
      this.idle.observe({ plan: r.plan, outcome: r.outcome }, r.downtime.idleInDowntimeMs);
    }
    if (r.outcome === 'migrated') this.earlyAttached.inc({}, r.earlyAttached);
    if (r.rollbackCause) this.rollbacks.inc({ cause: r.rollbackCause });
    return true;
  }

  render(): string {
    return this.registry.render();
  }

  private remember(id: string): void {
    this.recorded.add(id);
    // A Set iterates in insertion order: the first is the oldest.
    if (this.recorded.size > REMEMBERED_IDS) this.recorded.delete(this.recorded.values().next().value as string);
  }
}
