// The evacuation's scheduling as first written, kept for histories from before the
// `evacuation-queued-migrations` patch: each round is one local activity that places pending VMs
// and takes their slots, and a child starts only once it has its slot and destination.
import { condition, patched, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type { EvacuationActivities } from '../activities/evacuation';
import { PATCHES } from './patches';
import { startChild } from './evacuation-children';
import type { EvacuationState } from './evacuation-state';

const pool = proxyLocalActivities<EvacuationActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 5 },
});

/** How often a round is retried while VMs wait for slots other evacuations hold. */
const POLL_IDLE = '250 ms';
const POLL_BUSY = '1 second';

/** The scheduling loop; false when this run stopped to continue as new. */
export async function scheduleRounds(state: EvacuationState): Promise<boolean> {
  let started = 0;
  for (;;) {
    const limit = state.request.continueAsNewAfter;
    const mayStart = state.abortReason === null && started < limit && !workflowInfo().continueAsNewSuggested;
    if (mayStart && state.pending.length > 0) started += await round(state);
    if (state.running.size === 0) {
      if (state.pending.length === 0) return true;
      if (!mayStart) return false;
    }
    if (!mayStart) state.phase = 'draining';
    const seen = state.wakes;
    const woken = () => state.wakes !== seen;
    if (state.pending.length > 0 && mayStart && !ownCapFull(state))
      await condition(woken, state.running.size > 0 ? POLL_BUSY : POLL_IDLE);
    else await condition(woken);
  }
}

/** Before continuing as new: the slots of the children that ended since the last round. */
export async function releaseBeforeContinuing(state: EvacuationState): Promise<void> {
  await pool.evacuationRound({ evacuationId: workflowInfo().workflowId, release: state.release, request: null });
}

/**
 * Its own migrations fill the source's cap: a round could start nothing until one of them ends,
 * and that wakes the loop. Polling then only cost a workflow task and a pool transaction a second
 * (most of the history), and a child's end waited behind such a task (docs/performance.md).
 */
function ownCapFull(state: EvacuationState): boolean {
  return state.running.size >= state.request.caps.perSource && patched(PATCHES.evacuationWaitOwnSlots);
}

/** One round: free ended slots, start what the caps allow; returns how many started. */
async function round(state: EvacuationState): Promise<number> {
  const { host: source, plan, caps } = state.request;
  const release = state.release;
  state.release = [];
  const r = await pool.evacuationRound({
    evacuationId: workflowInfo().workflowId,
    release,
    request: { source, plan, caps, pending: state.pending },
  });
  for (const u of r.unplaceable) state.skip(u.vm, u.reason);
  for (const s of r.start) {
    const child = { vm: s.vm, workflowId: `migrate-${s.vmUuid}`, to: s.to, disks: s.disks };
    const summary = `migrate ${s.vm} → ${s.to} (${plan}), evacuating ${source}`;
    startChild(state, child, { vm: s.vm, to: s.to, plan }, summary);
  }
  return r.start.length;
}
