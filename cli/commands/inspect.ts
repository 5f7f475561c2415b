// `status`, `abort`, `list`: looking at and steering migrations through Temporal.
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { MigrationResult } from '../../domain/request';
import { zodMessage } from '../../domain/zod-message';
import {
  abortArgsSchema,
  abortUpdate,
  LIVE_MIGRATE_WORKFLOW,
  progressQuery,
  searchAttributes as SA,
} from '../../workflows/definitions';
import {
  EVACUATE_WORKFLOW,
  evacuationAbortUpdate,
  evacuationProgressQuery,
  type EvacuationResult,
} from '../../workflows/evacuation-definitions';
import { evacuationTable } from './evacuate';
import { connectClient } from '../context';
import { EXIT, UsageError } from '../errors';
import { summary, table } from '../format';

export async function statusCommand(workflowId: string, o: { json?: boolean }): Promise<number> {
  const client = await connectClient();
  const handle = client.workflow.getHandle(workflowId);
  const desc = await handle.describe().catch((err: unknown) => {
    throw err instanceof WorkflowNotFoundError ? new UsageError(`no migration or evacuation ${workflowId}`) : err;
  });
  if (desc.type === EVACUATE_WORKFLOW) return evacuationStatus(handle, desc.status.name, o.json === true);
  const progress = await handle.query(progressQuery).catch(() => null);
  const result = desc.status.name === 'COMPLETED' ? ((await handle.result()) as MigrationResult) : null;
  if (o.json) {
    console.log(JSON.stringify({ workflowId, status: desc.status.name, progress, result }));
    return EXIT.ok;
  }
  console.log(
    `${workflowId}: ${desc.status.name}${progress ? `, phase ${progress.phase}, atoms ${progress.atomsDone}/${progress.atomsTotal}` : ''}`,
  );
  if (progress)
    console.log(
      table(
        ['VBD', 'early', 'state'],
        progress.vbds.map((v) => [v.device, v.early ? 'yes' : 'no', v.state]),
      ),
    );
  if (result) console.log(summary(result));
  return EXIT.ok;
}

async function evacuationStatus(handle: WorkflowHandle, status: string, json: boolean): Promise<number> {
  const progress = await handle.query(evacuationProgressQuery).catch(() => null);
  const result = status === 'COMPLETED' ? ((await handle.result()) as EvacuationResult) : null;
  if (json) console.log(JSON.stringify({ workflowId: handle.workflowId, status, progress, result }));
  else if (result) console.log(evacuationTable(result));
  else {
    const counts = progress
      ? `, ${progress.phase}: ${progress.finished.length}/${progress.total} done, ${progress.running.length} running`
      : '';
    console.log(`${handle.workflowId}: ${status}${counts}`);
  }
  return EXIT.ok;
}

export async function abortCommand(workflowId: string, o: { reason: string }): Promise<number> {
  // Checked here with the validator's own schema: bad arguments are bad input (exit 2), not a refusal.
  const args = abortArgsSchema.safeParse({ reason: o.reason });
  if (!args.success) throw new UsageError(`invalid abort arguments: ${zodMessage(args.error)}`);
  const client = await connectClient();
  try {
    const handle = client.workflow.getHandle(workflowId);
    if ((await handle.describe()).type === EVACUATE_WORKFLOW) {
      const accepted = await handle.executeUpdate(evacuationAbortUpdate, { args: [args.data] });
      console.log(`abort accepted: ${accepted.pending} VMs will not start; migrations already running finish`);
      return EXIT.ok;
    }
    const accepted = await handle.executeUpdate(abortUpdate, { args: [args.data] });
    console.log(`abort accepted in phase ${accepted.phase}: the migration rolls back`);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new UsageError(`no running migration or evacuation ${workflowId}`);
    if (err instanceof WorkflowUpdateFailedError) {
      console.error(`liveshift: abort refused: ${err.cause?.message ?? err.message}`);
      return EXIT.failed;
    }
    throw err;
  }
}

export async function listCommand(o: { json?: boolean }): Promise<number> {
  const client = await connectClient();
  const rows = [];
  for await (const wf of client.workflow.list({ query: `WorkflowType = '${LIVE_MIGRATE_WORKFLOW}'` })) {
    const sa = wf.typedSearchAttributes;
    rows.push({
      workflowId: wf.workflowId,
      status: wf.status.name,
      vm: sa.get(SA.VmName) ?? '',
      from: sa.get(SA.SourceHost) ?? '',
      to: sa.get(SA.DestinationHost) ?? '',
      plan: sa.get(SA.MigrationPlan) ?? '',
      phase: sa.get(SA.MigrationPhase) ?? '',
      downtimeMs: sa.get(SA.DowntimeMs) ?? null,
      startTime: wf.startTime.toISOString(),
    });
    if (rows.length >= 200) break;
  }
  if (o.json) console.log(JSON.stringify(rows));
  else
    console.log(
      table(
        ['workflow', 'status', 'vm', 'from', 'to', 'plan', 'phase', 'downtime ms'],
        rows.map((r) => [r.workflowId, r.status, r.vm, r.from, r.to, r.plan, r.phase, r.downtimeMs ?? '']),
      ),
    );
  return EXIT.ok;
}
