// What the steps of one migration share (live-migrate.ts and rollback.ts).
import type { ActivityInterfaceFor } from '@temporalio/workflow';
import type { PoolActivities } from '../activities/pool';
import type { MigrationPlan } from '../domain/planner';
import type { Outcome } from '../domain/request';
import type { RollbackCause } from '../domain/rollback-cause';
import type { MigrationState } from './migration-state';

export interface Run {
  m: MigrationPlan;
  state: MigrationState;
  pool: ActivityInterfaceFor<PoolActivities>;
  timeScale: number;
  /** Direct dispatch of the phases the planner marks (false when replaying older histories). */
  direct: boolean;
  /** Granted an evacuation's slot: the prepare phase's first step runs direct (`slot-lead-direct`). */
  leadDirect?: boolean;
}

export interface Ending {
  outcome: Outcome;
  reason?: string;
  /** Set when the rollback plan ran, for the orchestrator's metrics (not part of the result). */
  rollbackCause?: RollbackCause;
}
