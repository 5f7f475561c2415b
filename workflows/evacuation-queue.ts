// The evacuation's scheduling since the `evacuation-queued-migrations` patch: it keeps its next
// migrations started ahead of their slots, and each asks the pool for a slot and a destination
// (workflows/slot-wait.ts, sim/slot-grant.ts). The pool places a migration when a slot frees, in
// the transaction that takes the slot, so the caps hold across evacuations as before, and a slot
// is refilled without a workflow task of the evacuation (docs/performance.md).
import { condition, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type { EvacuationActivities } from '../activities/evacuation';
import { startChild, type Child } from './evacuation-children';
import type { QueuedMigration } from './evacuation-definitions';
import type { EvacuationState } from './evacuation-state';

const pool = proxyLocalActivities<EvacuationActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 5 },
});

/**
 * Migrations started at once: as many as may run from this source, and as many again waiting with
 * their snapshot taken, so each freed slot has a migration ready for it.
 */
const depth = (state: EvacuationState) => 2 * Math.min(state.request.caps.perSource, state.request.caps.pool);

/** The scheduling loop; false when this run stopped to continue as new. */
export async function scheduleQueue(state: EvacuationState): Promise<boolean> {
  const children = await knownChildren(state);
  let started = 0;
  let abortRecorded = false;
  for (;;) {
    if (state.abortReason !== null && !abortRecorded) {
      await pool.abortEvacuation({ workflowId: workflowInfo().workflowId, reason: state.abortReason });
      abortRecorded = true;
    }
    await releaseOrphans(state);
    const mayStart = () =>
      state.abortReason === null &&
      started < state.request.continueAsNewAfter &&
      !workflowInfo().continueAsNewSuggested;
    while (mayStart() && state.pending.length > 0 && state.running.size < depth(state)) {
      launch(state, children.get(state.pending[0]!)!);
      started++;
    }
    if (state.running.size === 0) {
      if (state.pending.length === 0) return true;
      if (!mayStart()) return false;
    }
    if (!mayStart()) state.phase = 'draining';
    const seen = state.wakes;
    await condition(() => state.wakes !== seen);
  }
}

/** The pending VMs' migration ids; a VM the pool no longer has is skipped here. */
async function knownChildren(state: EvacuationState): Promise<Map<string, Child>> {
  const vms = [...state.pending];
  const ids = await pool.evacuationChildren({ evacuationId: workflowInfo().workflowId, vms });
  const children = new Map<string, Child>();
  vms.forEach((vm, rank) => {
    const id = ids[rank];
    if (id) children.set(vm, { vm, workflowId: id.workflowId, to: null, disks: id.disks, rank });
    else state.skip(vm, `no longer on ${state.request.host}: the pool has no such VM`);
  });
  return children;
}

/** A migration that ended before its end marker (which frees the slot) leaves its slot to the evacuation. */
async function releaseOrphans(state: EvacuationState): Promise<void> {
  const orphans = state.release.filter((id) => state.withoutEndMarker.has(id));
  state.release = [];
  if (orphans.length > 0) await pool.releaseSlots(orphans);
}

function launch(state: EvacuationState, child: Child): void {
  const rank = child.rank ?? 0;
  const { host: source, plan, caps } = state.request;
  const args: QueuedMigration = {
    vm: child.vm,
    plan,
    evacuation: { workflowId: workflowInfo().workflowId, source, caps, rank },
  };
  const summary = `migrate ${child.vm} off ${source} (${plan}): destination chosen when a slot frees`;
  startChild(state, child, args, summary);
}
