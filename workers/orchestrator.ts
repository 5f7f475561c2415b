// The orchestrator worker: liveshift's workflows, the pool-level activities and the switchover
// runner, which hands direct phases to the hosts' agents.
import { NativeConnection, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import type { Token } from '../agent/auth';
import { AgentClient } from '../agent/client';
import { createEvacuationActivities } from '../activities/evacuation';
import { createPoolActivities } from '../activities/pool';
import { SlotReleases } from '../activities/slot-releases';
import { createSwitchoverActivities } from '../activities/switchover';
import { ORCHESTRATOR_TASK_QUEUE } from '../domain/ids';
import { journalOf } from '../agent/journal';
import type { MigrationMetrics } from '../metrics/migration-metrics';
import type { AgentRegistry, Evacuations, Inventory, MigrationControl } from '../domain/toolstack';

export interface OrchestratorOptions {
  connection: NativeConnection;
  namespace: string;
  inventory: Inventory & MigrationControl & AgentRegistry & Evacuations;
  /** Sent to the hosts' agents when they require one (LIVESHIFT_AGENT_TOKEN). */
  agentToken?: Token;
  /** Where every migration's end is counted (metrics/migration-metrics.ts); none: not counted. */
  metrics?: MigrationMetrics;
  /** A prebuilt bundle (tests build one per run); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkflowBundleOption;
}

export function createOrchestratorWorker(o: OrchestratorOptions): Promise<Worker> {
  // Idle kept-alive connections to the agents are unref'd: they never hold a process open.
  const agents = new AgentClient(o.inventory, o.agentToken);
  const releases = new SlotReleases();
  return Worker.create({
    connection: o.connection,
    namespace: o.namespace,
    taskQueue: ORCHESTRATOR_TASK_QUEUE,
    ...(o.workflowBundle
      ? { workflowBundle: o.workflowBundle }
      : { workflowsPath: require.resolve('../workflows/index.ts') }),
    activities: {
      ...createPoolActivities(o.inventory, o.metrics, { pool: o.inventory, releases }),
      ...createEvacuationActivities(o.inventory, releases),
      ...createSwitchoverActivities(agents, journalOf(o.inventory)),
    },
    shutdownGraceTime: '5 seconds',
    // Every workflow activation runs on these threads; with one, an evacuation's next migration
    // waited behind the others' activations for its grant to become commands (docs/performance.md).
    workflowThreadPoolSize: 2,
  });
}
