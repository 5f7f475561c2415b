// liveMigrateVm: validate → snapshot → plan → interpret → measure (DESIGN §2–4).
import { ApplicationFailure } from '@temporalio/common';
import { CancellationScope, patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { PoolActivities } from '../activities/pool';
import type { AtomCall, Plan } from '../domain/atoms';
import { FailureType } from '../domain/errors';
import { planMigration, type MigrationPlan } from '../domain/planner';
import {
  migrationRequestSchema,
  validateRequest,
  type MigrationRequest,
  type MigrationResult,
  type Outcome,
} from '../domain/request';
import { rollbackStages } from '../domain/rollback';
import { zodMessage } from '../domain/zod-message';
import { abortedFailure, Interpreter } from './interpreter';
import { MigrationState } from './migration-state';
import { PATCHES } from './patches';

const pool = proxyActivities<PoolActivities>({ startToCloseTimeout: '30 seconds', retry: { maximumAttempts: 5 } });

const badRequest = (message: string) =>
  ApplicationFailure.create({ type: FailureType.BadRequest, nonRetryable: true, message });

function parseRequest(input: unknown): MigrationRequest {
  const parsed = migrationRequestSchema.safeParse(input);
  if (!parsed.success) throw badRequest(`invalid migration request: ${zodMessage(parsed.error)}`);
  return parsed.data;
}

interface Ending {
  outcome: Outcome;
  reason?: string;
}

export async function liveMigrateVm(input: unknown): Promise<MigrationResult> {
  const req = parseRequest(input);
  const state = new MigrationState();
  state.installHandlers();
  const snapshot = await pool.snapshotPool();
  const valid = validateRequest(snapshot, req);
  if (!valid.ok) throw badRequest(valid.message);
  const m = planMigration(snapshot, req, workflowInfo().runId);
  state.planned(m);
  const interpreter = new Interpreter(snapshot.timeScale, {
    beforeAtom: (call) => beforeAtom(state, call),
    afterAtom: (call, outcome) => state.record(call, outcome),
  });
  // An abort cancels a running pre-copy at once; the other atoms are short and are let finish.
  state.onAbort = () => interpreter.precopyScope?.cancel();
  return finish(m, state, await execute(m, state, interpreter, snapshot.timeScale));
}

function beforeAtom(state: MigrationState, call: AtomCall): void {
  if (state.abortReason !== null && !state.pastPointOfNoReturn) throw abortedFailure(state.abortReason);
  if (call.atom === 'VM_unpause' && call.phase === 'downtime') state.pastPointOfNoReturn = true;
  state.enter(call.phase);
}

async function execute(
  m: MigrationPlan,
  state: MigrationState,
  interpreter: Interpreter,
  timeScale: number,
): Promise<Ending> {
  // The plan is Serial[prepare, precopy, downtime, cleanup]; cleanup runs only forward.
  const phases = m.plan.kind === 'atom' ? [m.plan] : m.plan.steps;
  const cleanup = phases.at(-1);
  try {
    for (const phase of phases.slice(0, -1)) await interpreter.run(phase);
  } catch (err) {
    const reason = state.abortReason !== null ? `aborted: ${state.abortReason}` : describeFailure(err);
    if (await runsOn(m, state, m.to))
      return goForward(interpreter, cleanup, `${reason} (after the VM started on ${m.to})`);
    return rollBack(m, state, interpreter.attempted, timeScale, reason);
  }
  return goForward(interpreter, cleanup);
}

/** Past the destination unpause, a failure may come after the VM already runs there. */
async function runsOn(m: MigrationPlan, state: MigrationState, host: string): Promise<boolean> {
  return state.pastPointOfNoReturn && (await pool.vmRunningOn(m.vmUuid)).includes(host);
}

async function goForward(interpreter: Interpreter, cleanup: Plan | undefined, reason?: string): Promise<Ending> {
  try {
    if (cleanup) await interpreter.run(cleanup);
  } catch (err) {
    return { outcome: 'migrated', reason: `source cleanup incomplete: ${describeFailure(err)}` };
  }
  return reason === undefined ? { outcome: 'migrated' } : { outcome: 'migrated', reason };
}

async function rollBack(
  m: MigrationPlan,
  state: MigrationState,
  attempted: AtomCall[],
  timeScale: number,
  reason: string,
): Promise<Ending> {
  const undo = new Interpreter(timeScale, {
    beforeAtom: () => state.enter('rollback'),
    afterAtom: (c, o) => state.record(c, o),
  });
  const { restore, cleanDestination } = rollbackStages(m, attempted);
  try {
    await CancellationScope.nonCancellable(() => undo.run(restore));
  } catch (err) {
    return {
      outcome: 'failed',
      reason: `${reason}; rollback could not restore the VM on ${m.from}: ${describeFailure(err)}`,
    };
  }
  // The VM runs on the source again; a destination that cannot be cleaned (a dead host) does not
  // undo that, but the record says what was left behind.
  const leftover = await CancellationScope.nonCancellable(() => undo.run(cleanDestination)).then(
    () => undefined,
    (err: unknown) => describeFailure(err),
  );
  // The record must say truthfully where the VM is: a rollback only counts once the hosts
  // confirm the VM runs on the source alone. (Added after histories were recorded: patched.)
  if (patched(PATCHES.verifyRollback)) {
    const hosts = await pool.vmRunningOn(m.vmUuid);
    if (hosts.length !== 1 || hosts[0] !== m.from)
      return {
        outcome: 'failed',
        reason: `${reason}; after rollback the VM runs on [${hosts.join(', ')}], not on ${m.from}`,
      };
  }
  return {
    outcome: 'rolled-back',
    reason: leftover === undefined ? reason : `${reason}; destination cleanup incomplete: ${leftover}`,
  };
}

function describeFailure(err: unknown): string {
  let e: unknown = err;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  return e instanceof Error ? e.message : String(e);
}

async function finish(m: MigrationPlan, state: MigrationState, ending: Ending): Promise<MigrationResult> {
  const info = workflowInfo();
  const measured = await pool.measureMigration(info.runId, info.startTime.getTime());
  const problems = await pool.endMigration({
    migrationId: info.runId,
    vmUuid: m.vmUuid,
    outcome: ending.outcome,
    atMs: Date.now(),
  });
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
    atoms: measured.atoms,
    ...(reason !== undefined ? { reason } : {}),
  };
}
