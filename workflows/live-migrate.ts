// liveMigrateVm: validate → snapshot → plan → run the phases by name → measure (docs/design.md §2–4).
// A failure before the destination unpause rolls back (workflows/rollback.ts); after it, the
// migration only goes forward.
import { ApplicationFailure } from '@temporalio/common';
import {
  allHandlersFinished,
  condition,
  patched,
  proxyActivities,
  proxyLocalActivities,
  workflowInfo,
} from '@temporalio/workflow';
import type { FinishedMigration, PoolActivities } from '../activities/pool';
import type { PoolSnapshot } from '../domain/pool';
import { isPointOfNoReturn } from '../domain/atom-traits';
import type { AtomCall, Phase } from '../domain/atoms';
import { FailureType } from '../domain/errors';
import type { PlanPhase } from '../domain/phases';
import { planMigration, REVERSIBLE_PHASES } from '../domain/planner';
import {
  migrationRequestSchema,
  validateRequest,
  type MigrationRequest,
  type MigrationResult,
} from '../domain/request';
import { zodMessage } from '../domain/zod-message';
import { abortedFailure, Interpreter, type InterpreterHooks } from './interpreter';
import { MigrationState } from './migration-state';
import { PATCHES } from './patches';
import { describeFailure, rollBack, rollbackCauseOf } from './rollback';
import { queuedMigrationSchema } from './evacuation-definitions';
import { awaitSlot } from './slot-wait';
import type { Ending, Run } from './run';

const poolOptions = { startToCloseTimeout: '30 seconds', retry: { maximumAttempts: 5 } } as const;
// Histories from before direct dispatch ran the pool queries as activities through the server;
// since then they are local activities of the orchestrator (no server round trip each).
const queuedPool = proxyActivities<PoolActivities>(poolOptions);
const localPool = proxyLocalActivities<PoolActivities>(poolOptions);

const badRequest = (message: string) =>
  ApplicationFailure.create({ type: FailureType.BadRequest, nonRetryable: true, message });

function parseRequest(input: unknown): MigrationRequest {
  const parsed = migrationRequestSchema.safeParse(input);
  if (!parsed.success) throw badRequest(`invalid migration request: ${zodMessage(parsed.error)}`);
  return parsed.data;
}

export async function liveMigrateVm(input: unknown): Promise<MigrationResult> {
  // Started by an evacuation ahead of its slot: the destination comes with the slot.
  const ahead = queuedMigrationSchema.safeParse(input);
  const req = ahead.success ? null : parseRequest(input);
  const direct = patched(PATCHES.directDispatch);
  const pool = direct ? localPool : queuedPool;
  const state = new MigrationState();
  state.installHandlers();
  if (!ahead.success) return migrate(req!, await pool.snapshotPool(), { state, pool, direct });
  // Taken before the slot frees: the VM's own facts do not change meanwhile, but which hosts are
  // being evacuated does, so that part comes with the grant, which placed the VM on the live pool.
  const snapshot = await pool.snapshotForVm(ahead.data.vm);
  const granted = await awaitSlot(ahead.data, state);
  const fresh: PoolSnapshot = { ...snapshot, evacuating: granted.evacuating };
  return migrate(granted.req, fresh, { state, pool, direct, leadDirect: patched(PATCHES.slotLeadDirect) });
}

async function migrate(
  req: MigrationRequest,
  snapshot: PoolSnapshot,
  { state, pool, direct, leadDirect }: Pick<Run, 'state' | 'pool' | 'direct' | 'leadDirect'>,
): Promise<MigrationResult> {
  const valid = validateRequest(snapshot, req);
  if (!valid.ok) throw badRequest(valid.message);
  const m = planMigration(snapshot, req, workflowInfo().runId);
  state.planned(m);
  const run: Run = { m, state, pool, timeScale: snapshot.timeScale, direct, leadDirect };
  const interpreter = new Interpreter(run.timeScale, forwardHooks(state), direct);
  // An abort cancels a running abortable atom (pre-copy) at once; the others are short and let finish.
  state.onAbort = () => interpreter.abortableScope?.cancel();
  if (direct) state.confirmAbort = (reason) => confirmAbort(run, reason);
  const ending = await execute(run, interpreter);
  const result = await finish(run, ending);
  if (direct) await condition(allHandlersFinished);
  return result;
}

function forwardHooks(state: MigrationState): InterpreterHooks {
  return {
    beforeDispatch: (phase: Phase) => {
      if (state.abortReason !== null && !state.pastPointOfNoReturn) throw abortedFailure(state.abortReason);
      state.enter(phase);
    },
    dispatched: (call: AtomCall) => {
      if (isPointOfNoReturn(call)) state.pastPointOfNoReturn = true;
    },
    settled: (call, outcome) => state.record(call, outcome),
  };
}

/** While the downtime runs directly, the pool records the abort unless the runner passed the point of no return. */
async function confirmAbort({ state, pool }: Run, reason: string): Promise<'accepted' | 'too-late'> {
  if (state.phase !== 'downtime') return 'accepted';
  return pool.requestAbort({ migrationId: workflowInfo().runId, reason });
}

async function execute(run: Run, interpreter: Interpreter): Promise<Ending> {
  const { m, state } = run;
  try {
    for (const name of REVERSIBLE_PHASES)
      await (name === 'prepare' && run.leadDirect
        ? interpreter.runLeadingDirect(m.phases.prepare)
        : interpreter.runPhase(m.phases[name]));
  } catch (err) {
    const aborted = state.abortReason !== null;
    const reason = aborted ? `aborted: ${state.abortReason}` : describeFailure(err);
    if (await runsOn(run, m.to))
      return goForward(interpreter, m.phases.cleanup, `${reason} (after the VM started on ${m.to})`);
    return rollBack(run, interpreter.attempted, reason, aborted ? 'aborted' : rollbackCauseOf(err));
  }
  return goForward(interpreter, m.phases.cleanup);
}

/** Past the destination unpause, a failure may come after the VM already runs there. */
async function runsOn({ m, state, pool }: Run, host: string): Promise<boolean> {
  return state.pastPointOfNoReturn && (await pool.vmRunningOn(m.vmUuid)).includes(host);
}

async function goForward(interpreter: Interpreter, cleanup: PlanPhase, reason?: string): Promise<Ending> {
  try {
    await interpreter.runPhase(cleanup);
  } catch (err) {
    return { outcome: 'migrated', reason: `source cleanup incomplete: ${describeFailure(err)}` };
  }
  return reason === undefined ? { outcome: 'migrated' } : { outcome: 'migrated', reason };
}

/** The end marker and the measurement: one local activity since `end-marker-measured-once`, two before. */
async function endAndMeasure({ m, pool }: Run, ending: Ending): Promise<FinishedMigration> {
  const info = workflowInfo();
  const end = {
    migrationId: info.runId,
    vmUuid: m.vmUuid,
    outcome: ending.outcome,
    // For the orchestrator's metrics only: no command depends on them, so histories replay unchanged.
    plan: m.kind,
    earlyAttached: m.vbds.filter((v) => v.early).length,
    ...(ending.rollbackCause ? { rollbackCause: ending.rollbackCause } : {}),
  };
  const originMs = info.startTime.getTime();
  if (patched(PATCHES.endInOneStep)) return pool.finishMigration({ ...end, originMs });
  const measured = await pool.measureMigration(info.runId, originMs);
  return { measured, problems: await pool.endMigration({ ...end, atMs: Date.now() }) };
}

async function finish(run: Run, ending: Ending): Promise<MigrationResult> {
  const { m, state } = run;
  const info = workflowInfo();
  const { measured, problems } = await endAndMeasure(run, ending);
  const { outcome, reason } =
    problems.length === 0
      ? ending
      : { outcome: 'failed' as const, reason: [ending.reason, ...problems].filter(Boolean).join('; ') };
  state.finish(outcome, measured.downtimeMs);
  return {
    workflowId: info.workflowId,
    vm: m.vmName,
    vmUuid: m.vmUuid,
    from: m.from,
    to: m.to,
    plan: m.kind,
    outcome,
    downtimeMs: measured.downtimeMs,
    idleInDowntimeMs: measured.idleInDowntimeMs,
    totalMs: measured.totalMs,
    earlyAttached: m.vbds.filter((v) => v.early).map((v) => v.device),
    disks: m.vbds.length,
    atoms: measured.atoms,
    ...(reason !== undefined ? { reason } : {}),
  };
}
