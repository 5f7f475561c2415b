// The orchestrator worker: liveshift's workflows plus the pool-level activities.
import { NativeConnection, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import { createPoolActivities } from '../activities/pool';
import { ORCHESTRATOR_TASK_QUEUE } from '../domain/ids';
import type { Inventory } from '../domain/toolstack';

export interface OrchestratorOptions {
  connection: NativeConnection;
  namespace: string;
  inventory: Inventory;
  /** A prebuilt bundle (tests build one per run); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkflowBundleOption;
}

export function createOrchestratorWorker(o: OrchestratorOptions): Promise<Worker> {
  return Worker.create({
    connection: o.connection,
    namespace: o.namespace,
    taskQueue: ORCHESTRATOR_TASK_QUEUE,
    ...(o.workflowBundle
      ? { workflowBundle: o.workflowBundle }
      : { workflowsPath: require.resolve('../workflows/index.ts') }),
    activities: createPoolActivities(o.inventory),
    shutdownGraceTime: '5 seconds',
  });
}
