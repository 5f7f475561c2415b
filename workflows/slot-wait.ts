// The start of a migration an evacuation queued ahead of its slot: it asks the pool, in a local
// activity that waits in the orchestrator for a slot to free, and gets its destination with the
// slot. Its pool snapshot is taken and its workflow task has run before the slot frees, so the
// slot's refill costs one ask and the first atom's dispatch.
import { ApplicationFailure } from '@temporalio/common';
import { proxyLocalActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { EvacuationActivities } from '../activities/evacuation';
import { FailureType } from '../domain/errors';
import type { MigrationRequest } from '../domain/request';
import type { QueuedMigration } from './evacuation-definitions';
import type { MigrationState } from './migration-state';

const slots = proxyLocalActivities<EvacuationActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 5 },
});

/**
 * One ask waits this long at most: while it waits the workflow task stays open, and a `progress`
 * query or an `abort` is answered between asks.
 */
const ASK_MS = 5000;

const notStarted = (message: string) =>
  ApplicationFailure.create({ type: FailureType.NotStarted, nonRetryable: true, message });

export interface Granted {
  req: MigrationRequest;
  /** The hosts being evacuated when the slot was taken: newer than the migration's snapshot. */
  evacuating: string[];
}

export async function awaitSlot(q: QueuedMigration, state: MigrationState): Promise<Granted> {
  const { workflowId } = workflowInfo();
  const ask = {
    evacuationId: q.evacuation.workflowId,
    workflowId,
    vm: q.vm,
    rank: q.evacuation.rank,
    source: q.evacuation.source,
    plan: q.plan,
    caps: q.evacuation.caps,
    waitMs: ASK_MS,
  };
  state.waitingForSlot = true;
  // Read afresh after every await: an abort may come in while an ask waits.
  const aborted = (): string | null => state.abortReason;
  for (;;) {
    const before = aborted();
    if (before !== null) throw notStarted(`aborted before it had a slot: ${before}`);
    const grant = await slots.awaitSlot(ask);
    if (grant.kind === 'refused') throw notStarted(grant.reason);
    // An abort that came in while the ask waited: the slot is the evacuation's to free.
    const meanwhile = aborted();
    if (meanwhile !== null) throw notStarted(`aborted before it started: ${meanwhile}`);
    if (grant.kind === 'granted') {
      state.waitingForSlot = false;
      return { req: { vm: q.vm, to: grant.start.to, plan: q.plan }, evacuating: grant.evacuating };
    }
    // Ends the workflow task, so what came in meanwhile (a query, an abort) is handled.
    await sleep(1);
  }
}
