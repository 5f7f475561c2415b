// evacuateHost: moves every VM off a host as child liveMigrateVm workflows (ids stay
// migrate-<vm uuid>), within caps per source, per destination and per pool. Slots are taken in the
// pool state, in transactions every evacuation shares, so concurrent evacuations share the caps:
// since the `evacuation-queued-migrations` patch each migration is started ahead and asks for its
// own slot (evacuation-queue.ts); before it, scheduling rounds placed them (evacuation-rounds.ts).
// A VM that cannot move is reported with its reason and never retried. After `continueAsNewAfter`
// children the run drains and continues as new, so a host with hundreds of VMs keeps a bounded history.
import { ApplicationFailure } from '@temporalio/common';
import { continueAsNew, patched, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type { EvacuationActivities } from '../activities/evacuation';
import { FailureType } from '../domain/errors';
import { zodMessage } from '../domain/zod-message';
import { PATCHES } from './patches';
import { evacuationInputSchema, type EvacuationInput, type EvacuationResult } from './evacuation-definitions';
import { scheduleQueue } from './evacuation-queue';
import { releaseBeforeContinuing, scheduleRounds } from './evacuation-rounds';
import { EvacuationState } from './evacuation-state';

const pool = proxyLocalActivities<EvacuationActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 5 },
});

const badRequest = (message: string) =>
  ApplicationFailure.create({ type: FailureType.BadRequest, nonRetryable: true, message });

export async function evacuateHost(input: EvacuationInput): Promise<EvacuationResult> {
  const parsed = evacuationInputSchema.safeParse(input);
  if (!parsed.success) throw badRequest(`invalid evacuation request: ${zodMessage(parsed.error)}`);
  const { request, carry } = parsed.data;
  const state = new EvacuationState(request, carry);
  state.installHandlers();
  const { workflowId } = workflowInfo();
  if (carry === undefined) {
    const begun = await pool.beginEvacuation({ host: request.host, workflowId });
    if (!begun.ok) throw badRequest(begun.message);
    state.pending = begun.vms;
  }
  state.phase = 'migrating';
  const queued = patched(PATCHES.evacuationQueue);
  const drained = queued ? await scheduleQueue(state) : await scheduleRounds(state);
  if (!drained) {
    if (!queued) await releaseBeforeContinuing(state);
    return continueAsNew<typeof evacuateHost>({ request, carry: state.carry() });
  }
  await pool.endEvacuation({ host: request.host, workflowId });
  state.phase = 'done';
  return result(state);
}

function result(state: EvacuationState): EvacuationResult {
  const vms = state.finished;
  const moved = vms.filter((v) => v.outcome === 'migrated').length;
  const outcome = moved === vms.length ? 'evacuated' : moved > 0 ? 'partial' : 'failed';
  return {
    workflowId: workflowInfo().workflowId,
    host: state.request.host,
    outcome,
    vms,
    caps: state.request.caps,
    runs: state.runs,
    startedAt: state.startedAt,
    endedAt: Date.now(),
  };
}
