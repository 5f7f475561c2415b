// Runs one matrix cell on a lane VM and judges it: outcome, invariants over the whole event log,
// attachments left behind, and (for a rolled-back migration that paused) the real pause.
import { abortUpdate } from '../../workflows/definitions';
import type { MigrationResult } from '../../domain/request';
import { audit } from '../../sim/audit';
import type { Stack } from '../../workers/stack';
import { waitForPhase } from '../helpers/wait';
import { laneHosts, type Cell, type Role } from './cells';

export interface CellResult {
  cell: Cell;
  outcome: MigrationResult['outcome'] | 'error';
  downtimeMs: number;
  rollbackMs: number | null;
  violations: number;
  leaked: string[];
  runsOn: string[];
  expectedHost: string;
  pauseMatches: boolean;
  faultFired: boolean;
  abort: 'accepted' | 'refused' | null;
  /** Why the migration did not complete, when it did not (shown with a failing cell). */
  reason?: string;
  error?: string;
}

/** The pause the VM really suffered, from the hosts' events since `afterSeq`: suspend end to the next unpause end. */
function realPauseMs(stack: Stack, r: MigrationResult, afterSeq: number): number {
  const events = stack.sim.events().filter((e) => e.seq > afterSeq && e.vmUuid === r.vmUuid && e.detail !== 'noop');
  const suspend = events.filter((e) => e.op === 'VM_suspend').at(-1);
  const resume = suspend && events.find((e) => e.op === 'VM_unpause' && e.seq > suspend.seq);
  return suspend && resume ? resume.endMs - suspend.endMs : 0;
}

/** From the first rollback atom's start to the last one's end. */
function rollbackMs(r: MigrationResult): number | null {
  const undo = r.atoms.filter((a) => a.phase === 'rollback');
  return undo.length > 0 ? Math.max(...undo.map((a) => a.endMs)) - Math.min(...undo.map((a) => a.startMs)) : null;
}

export async function runCell(stack: Stack, vm: string, cell: Cell): Promise<CellResult> {
  const from = stack.sim.snapshot().vms.find((v) => v.name === vm)!.residentOn;
  const [first, second] = laneHosts(Number(vm.replace('lane-', '')));
  const to = from === first ? second : first;
  // Each cell starts from a lane at rest: after a crash in the previous cell, the host's new standby
  // has loaded (a cell measures its own fault, not the one before it).
  await Promise.all([first, second].map((h) => stack.hosts.get(h)?.settled() ?? Promise.resolve()));
  const hostOf = (role: Role) => (role === 'source' ? from : to);
  stack.sim.clearFaults(vm);
  const fault =
    cell.kind === 'fault'
      ? cell
      : { atom: cell.hold.atom, role: cell.hold.role, effect: 'hang' as const, device: undefined, phase: cell.phase };
  const forward = fault.phase === 'cleanup';
  stack.sim.addFault({
    atom: fault.atom,
    host: hostOf(fault.role),
    vm,
    ...(fault.device ? { device: fault.device } : {}),
    effect: fault.effect.startsWith('crash') ? 'crash' : (fault.effect as 'fail' | 'hang'),
    at: fault.effect === 'crash-after' ? 'after' : 'before',
    // A failure that outlasts every retry policy, except where only going forward is allowed.
    times: fault.effect === 'fail' && !forward ? 20 : fault.effect === 'fail' ? 3 : 1,
  });
  let abort: CellResult['abort'] = null;
  const afterSeq = stack.sim.events().at(-1)?.seq ?? 0;
  try {
    const handle = await stack.start({ vm, to, plan: cell.plan });
    if (cell.kind === 'abort') {
      await waitForPhase(handle, cell.phase, 60_000);
      abort = await handle.executeUpdate(abortUpdate, { args: [{ reason: `matrix: abort in ${cell.phase}` }] }).then(
        () => 'accepted' as const,
        () => 'refused' as const,
      );
    }
    const r = await handle.result();
    const runsOn = stack.sim.runningOn(r.vmUuid);
    const expectedHost = r.outcome === 'migrated' ? to : from;
    return {
      cell,
      outcome: r.outcome,
      ...(r.reason !== undefined ? { reason: r.reason } : {}),
      downtimeMs: r.downtimeMs,
      rollbackMs: rollbackMs(r),
      abort,
      violations: audit(stack.sim.events()).length,
      leaked: stack.sim
        .attachments(r.vmUuid)
        .filter((a) => a.host !== runsOn[0])
        .map((a) => `${a.device}@${a.host}`),
      runsOn,
      expectedHost,
      pauseMatches: Math.abs(realPauseMs(stack, r, afterSeq) - r.downtimeMs) < 1,
      faultFired: stack.sim.faultFirings(vm) > 0,
    };
  } catch (err) {
    return {
      cell,
      outcome: 'error',
      downtimeMs: 0,
      rollbackMs: null,
      violations: -1,
      leaked: [],
      runsOn: [],
      expectedHost: '',
      pauseMatches: false,
      faultFired: false,
      abort,
      error: String(err),
    };
  } finally {
    stack.sim.clearFaults(vm);
  }
}
