// Starting and watching migrations from a client (CLI, demo, tests): one place that knows the
// workflow id rule, the conflict policy and how refusals read.
import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { FailureType, LiveshiftError } from '../domain/errors';
import { migrationWorkflowId, ORCHESTRATOR_TASK_QUEUE, vmUuid } from '../domain/ids';
import type { Pool } from '../domain/pool';
import { validateRequest, type MigrationRequest, type MigrationResult } from '../domain/request';
import type { liveMigrateVm } from '../workflows';
import { LIVE_MIGRATE_WORKFLOW } from '../workflows/definitions';

export type MigrationHandle = WorkflowHandle<typeof liveMigrateVm>;

/** Validates against the pool snapshot first, so bad input starts nothing. */
export async function startMigration(client: Client, pool: Pool, req: MigrationRequest): Promise<MigrationHandle> {
  const valid = validateRequest(pool, req);
  if (!valid.ok) throw new LiveshiftError(FailureType.BadRequest, valid.message);
  const workflowId = migrationWorkflowId(vmUuid(pool.name, req.vm));
  try {
    return await client.workflow.start<typeof liveMigrateVm>(LIVE_MIGRATE_WORKFLOW, {
      taskQueue: ORCHESTRATOR_TASK_QUEUE,
      workflowId,
      args: [req],
      // At most one migration per VM at a time; a finished one does not block the next.
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      staticSummary: `migrate ${req.vm} → ${req.to} (${req.plan})`,
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError)
      throw new LiveshiftError(
        FailureType.BadRequest,
        `VM "${req.vm}" is already migrating (workflow ${workflowId}); wait for it or abort it first`,
      );
    throw err;
  }
}

export async function migrate(client: Client, pool: Pool, req: MigrationRequest): Promise<MigrationResult> {
  const handle = await startMigration(client, pool, req);
  return handle.result();
}
