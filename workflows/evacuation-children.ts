// The evacuation's child migrations, however they were placed: their options, and what their end
// records in the evacuation's state.
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { executeChild, ParentClosePolicy, type ChildWorkflowOptions } from '@temporalio/workflow';
import { FailureType } from '../domain/errors';
import type { MigrationResult } from '../domain/request';
import { LIVE_MIGRATE_WORKFLOW } from './definitions';
import type { EvacuationState } from './evacuation-state';

/** A child as the evacuation knows it when it starts it; `to` is null when the slot chooses it. */
export interface Child {
  vm: string;
  workflowId: string;
  to: string | null;
  disks: number;
  /** Its place in the run's order (started ahead only). */
  rank?: number;
}

/** Starts the child; its end is recorded and wakes the scheduling loop. */
export function startChild(state: EvacuationState, child: Child, args: unknown, summary: string): void {
  state.pending = state.pending.filter((p) => p !== child.vm);
  state.running.set(child.workflowId, {
    vm: child.vm,
    to: child.to,
    workflowId: child.workflowId,
    startedAt: Date.now(),
  });
  const options: ChildWorkflowOptions & { args: [unknown] } = {
    workflowId: child.workflowId,
    args: [args],
    // A migration in its downtime window must not die with its evacuation: it finishes on its own.
    parentClosePolicy: ParentClosePolicy.ABANDON,
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    staticSummary: summary,
  };
  executeChild<(req: unknown) => Promise<MigrationResult>>(LIVE_MIGRATE_WORKFLOW, options)
    .then(
      (r) => finished(state, child, { outcome: r.outcome, earlyAttached: r.earlyAttached, r }),
      (err: unknown) => failed(state, child, err),
    )
    .finally(() => state.wake());
}

interface ChildEnd {
  outcome: 'migrated' | 'rolled-back' | 'failed' | 'skipped';
  earlyAttached: string[];
  r?: MigrationResult;
  reason?: string;
}

function failed(state: EvacuationState, child: Child, err: unknown): void {
  const cause = innermost(err);
  // A queued migration that never got its slot did nothing: the VM is skipped, with the pool's reason.
  const outcome = cause.type === FailureType.NotStarted ? 'skipped' : 'failed';
  state.withoutEndMarker.add(child.workflowId);
  finished(state, child, { outcome, earlyAttached: [], reason: cause.message });
}

function finished(state: EvacuationState, child: Child, end: ChildEnd): void {
  const running = state.running.get(child.workflowId);
  state.running.delete(child.workflowId);
  state.release.push(child.workflowId);
  const reason = end.reason ?? end.r?.reason;
  const started = end.outcome !== 'skipped';
  state.finished.push({
    vm: child.vm,
    to: end.r?.to ?? (started ? child.to : null),
    plan: state.request.plan,
    outcome: end.outcome,
    workflowId: child.workflowId,
    earlyAttached: end.earlyAttached,
    disks: end.r?.disks ?? child.disks,
    downtimeMs: end.r && end.r.downtimeMs > 0 ? end.r.downtimeMs : null,
    startedAt: started ? (running?.startedAt ?? null) : null,
    endedAt: started ? Date.now() : null,
    ...(reason !== undefined ? { reason } : {}),
  });
}

interface Cause {
  message?: string;
  type?: string;
  cause?: Cause;
}

/** The innermost cause: a child's failure says why the migration failed, not that a child did. */
function innermost(err: unknown): { message: string; type?: string } {
  let e = err as Cause | undefined;
  while (e?.cause) e = e.cause;
  return { message: e?.message ?? String(err), ...(e?.type !== undefined ? { type: e.type } : {}) };
}
