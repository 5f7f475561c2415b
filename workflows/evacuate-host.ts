// evacuateHost: moves every VM off a host as child liveMigrateVm workflows (ids stay
// migrate-<vm uuid>), within caps per source, per destination and per pool. Each scheduling round
// is one local activity that places VMs and takes their slots atomically in the pool state
// (domain/evacuation-round.ts), so concurrent evacuations share the caps. A VM that cannot move is
// reported with its reason and never retried. After `continueAsNewAfter` children the run drains
// and continues as new, so a host with hundreds of VMs keeps a bounded history.
import { ApplicationFailure, WorkflowIdReusePolicy } from '@temporalio/common';
import {
  condition,
  continueAsNew,
  executeChild,
  ParentClosePolicy,
  patched,
  proxyLocalActivities,
  workflowInfo,
  type ChildWorkflowOptions,
} from '@temporalio/workflow';
import type { EvacuationActivities } from '../activities/evacuation';
import { FailureType } from '../domain/errors';
import type { Start } from '../domain/evacuation-round';
import type { MigrationResult } from '../domain/request';
import { zodMessage } from '../domain/zod-message';
import { LIVE_MIGRATE_WORKFLOW } from './definitions';
import { PATCHES } from './patches';
import {
  evacuationInputSchema,
  type EvacuatedVm,
  type EvacuationInput,
  type EvacuationResult,
} from './evacuation-definitions';
import { EvacuationState } from './evacuation-state';

const pool = proxyLocalActivities<EvacuationActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 5 },
});

/** How often a round is retried while VMs wait for slots other evacuations hold. */
const POLL_IDLE = '250 ms';
const POLL_BUSY = '1 second';

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
  const drained = await schedule(state);
  if (!drained) {
    await pool.evacuationRound({ evacuationId: workflowId, release: state.release, request: null });
    return continueAsNew<typeof evacuateHost>({ request, carry: state.carry() });
  }
  await pool.endEvacuation({ host: request.host, workflowId });
  state.phase = 'done';
  return result(state);
}

/** The scheduling loop; false when this run stopped to continue as new. */
async function schedule(state: EvacuationState): Promise<boolean> {
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
  for (const s of r.start) launch(state, s);
  return r.start.length;
}

function launch(state: EvacuationState, s: Start): void {
  const workflowId = `migrate-${s.vmUuid}`;
  const plan = state.request.plan;
  state.pending = state.pending.filter((p) => p !== s.vm);
  state.running.set(workflowId, { vm: s.vm, to: s.to, workflowId, startedAt: Date.now() });
  const options: ChildWorkflowOptions & { args: [unknown] } = {
    workflowId,
    args: [{ vm: s.vm, to: s.to, plan }],
    // A migration in its downtime window must not die with its evacuation: it finishes on its own.
    parentClosePolicy: ParentClosePolicy.ABANDON,
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    staticSummary: `migrate ${s.vm} → ${s.to} (${plan}), evacuating ${state.request.host}`,
  };
  executeChild<(req: unknown) => Promise<MigrationResult>>(LIVE_MIGRATE_WORKFLOW, options)
    .then(
      (r) => finished(state, s, workflowId, { outcome: r.outcome, earlyAttached: r.earlyAttached, r }),
      (err: unknown) => finished(state, s, workflowId, { outcome: 'failed', earlyAttached: [], reason: message(err) }),
    )
    .finally(() => state.wake());
}

interface ChildEnd {
  outcome: EvacuatedVm['outcome'];
  earlyAttached: string[];
  r?: MigrationResult;
  reason?: string;
}

function finished(state: EvacuationState, s: Start, workflowId: string, end: ChildEnd): void {
  const running = state.running.get(workflowId);
  state.running.delete(workflowId);
  state.release.push(workflowId);
  const reason = end.reason ?? end.r?.reason;
  state.finished.push({
    vm: s.vm,
    to: s.to,
    plan: state.request.plan,
    outcome: end.outcome,
    workflowId,
    earlyAttached: end.earlyAttached,
    disks: s.disks,
    downtimeMs: end.r && end.r.downtimeMs > 0 ? end.r.downtimeMs : null,
    startedAt: running?.startedAt ?? null,
    endedAt: Date.now(),
    ...(reason !== undefined ? { reason } : {}),
  });
}

/** The innermost cause: a child's failure says why the migration failed, not that a child did. */
function message(err: unknown): string {
  let e = err as { message?: string; cause?: unknown } | undefined;
  while (e?.cause) e = e.cause;
  return e?.message ?? String(err);
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
