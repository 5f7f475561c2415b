// Starting evacuations from a client (CLI, schedules, tests): validation against the live pool,
// the workflow id rule (one evacuation per host) and how refusals read.
import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { FailureType, LiveshiftError } from '../domain/errors';
import { ORCHESTRATOR_TASK_QUEUE } from '../domain/ids';
import type { PoolSnapshot } from '../domain/pool';
import { zodMessage } from '../domain/zod-message';
import type { evacuateHost } from '../workflows';
import {
  EVACUATE_WORKFLOW,
  evacuationRequestSchema,
  evacuationWorkflowId,
  type EvacuationRequest,
  type EvacuationRequestInput,
} from '../workflows/evacuation-definitions';

export type EvacuationHandle = WorkflowHandle<typeof evacuateHost>;

const refuse = (message: string) => new LiveshiftError(FailureType.BadRequest, message);

/** The request, checked against the pool as it is now; bad input starts nothing. */
export function validateEvacuation(pool: PoolSnapshot, input: EvacuationRequestInput): EvacuationRequest {
  const parsed = evacuationRequestSchema.safeParse(input);
  if (!parsed.success) throw refuse(`invalid evacuation: ${zodMessage(parsed.error)}`);
  const { host } = parsed.data;
  if (!pool.hosts.some((h) => h.name === host))
    throw refuse(`unknown host "${host}" (known: ${pool.hosts.map((h) => h.name).join(', ')})`);
  if (pool.evacuating?.includes(host)) throw refuse(`host "${host}" is already being evacuated`);
  return parsed.data;
}

export async function startEvacuation(
  client: Client,
  pool: PoolSnapshot,
  input: EvacuationRequestInput,
): Promise<EvacuationHandle> {
  const request = validateEvacuation(pool, input);
  const workflowId = evacuationWorkflowId(request.host);
  try {
    return await client.workflow.start<typeof evacuateHost>(EVACUATE_WORKFLOW, {
      taskQueue: ORCHESTRATOR_TASK_QUEUE,
      workflowId,
      args: [{ request }],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      staticSummary: `evacuate ${request.host} (${request.plan}; caps ${capsText(request)})`,
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError)
      throw refuse(`host "${request.host}" is already being evacuated (workflow ${workflowId})`);
    throw err;
  }
}

export const capsText = ({ caps }: Pick<EvacuationRequest, 'caps'>): string =>
  `${caps.perSource} per source, ${caps.perDestination} per destination, ${caps.pool} per pool`;
