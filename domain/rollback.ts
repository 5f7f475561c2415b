// Compensation compiled into a plan (docs/design.md §4). Input: the atoms that were
// attempted (finished or failed — a failed atom may still have taken effect, and every undo is
// idempotent). Output: the plan that hands the VM back to the source and leaves nothing on the
// destination, in two named phases: `restore` (inside the window when the VM was suspended, so it
// is dispatched directly) and `cleanDestination` (after it).
import { Atom, atomsOf, Parallel, Serial, type AtomCall, type AtomName, type Plan, type VbdRef } from './atoms';
import { phaseOf, type PlanPhase } from './phases';
import type { MigrationPlan } from './planner';

const rwFirst = (a: VbdRef, b: VbdRef) => (a.mode === b.mode ? 0 : a.mode === 'RW' ? -1 : 1);

export interface RollbackPlan {
  phases: {
    /** Hands the VM back: nothing writable on the destination, source disks active, VM running. */
    restore: PlanPhase;
    /** Then, outside downtime: nothing left on the destination. */
    cleanDestination: PlanPhase;
  };
  /** Both phases as one plan, for printing and counting. */
  plan: Plan;
}

export interface RollbackOptions {
  /**
   * Unpause a source that stops the guest itself at the end of pre-copy once its VM_precopy was
   * tried, even if VM_suspend never was (an abort during pre-copy stops the window at VM_suspend's
   * gate, after QEMU stopped the guest). Off when replaying histories from before the rule.
   */
  unpauseAfterPrecopy?: boolean;
}

/** The source stops the guest itself when pre-copy converges (QEMU): its pre-copy opens the window. */
export const precopyPauses = (m: MigrationPlan): boolean =>
  atomsOf(m.phases.downtime.plan).some((c) => c.atom === 'VM_precopy');

export function planRollback(m: MigrationPlan, attempted: readonly AtomCall[], o: RollbackOptions = {}): RollbackPlan {
  const tried = (atom: AtomName, host: string) => attempted.filter((c) => c.atom === atom && c.host === host);
  const paused =
    tried('VM_suspend', m.from).length > 0 ||
    (o.unpauseAfterPrecopy === true && precopyPauses(m) && tried('VM_precopy', m.from).length > 0);
  const vbdsOf = (calls: AtomCall[]) => dedupe(calls.flatMap((c) => (c.vbd ? [c.vbd] : []))).sort(rwFirst);
  const renamed = tried('VM_rename', m.to).length > 0;
  const dstDom = renamed ? m.vmUuid : m.tempId;
  const call = (atom: AtomName, host: string, domId: string, vbd?: VbdRef): Plan =>
    Atom({
      atom,
      host,
      domId,
      phase: 'rollback',
      migrationId: attempted[0]?.migrationId ?? '',
      vmUuid: m.vmUuid,
      vmName: m.vmName,
      vbd,
    });
  const nonEmpty = (steps: Plan[]) => steps.filter((s) => s.kind === 'atom' || s.steps.length > 0);
  const restore = phaseOf(
    'rollback',
    'rollback: restore',
    nonEmpty([
      // 1. nothing stays writable on the destination ...
      Parallel(
        'destination VBD_deactivate',
        vbdsOf(tried('VBD_activate', m.to)).map((v) => call('VBD_deactivate', m.to, dstDom, v)),
      ),
      // 2. ... before the source takes its disks back, read-write first ...
      ...groupByMode(vbdsOf(tried('VBD_deactivate', m.from))).map((g) =>
        Parallel(
          `source VBD_activate ${g[0]?.mode}`,
          g.map((v) => call('VBD_activate', m.from, m.vmUuid, v)),
        ),
      ),
      // 3. ... and runs again (downtime ends here for a suspended VM).
      ...(paused ? [call('VM_unpause', m.from, m.vmUuid)] : []),
    ]),
  );
  const cleanDestination = phaseOf(
    'rollback',
    'rollback: clean destination',
    nonEmpty([
      Parallel(
        'destination VBD_detach',
        vbdsOf(tried('VBD_attach', m.to)).map((v) => call('VBD_detach', m.to, dstDom, v)),
      ),
      ...(tried('VM_create', m.to).length > 0 ? destroyDestination(m, renamed, call) : []),
    ]),
  );
  return {
    phases: { restore, cleanDestination },
    plan: Serial('rollback', [restore.plan, cleanDestination.plan]),
  };
}

function destroyDestination(
  m: MigrationPlan,
  renamed: boolean,
  call: (a: AtomName, h: string, d: string) => Plan,
): Plan[] {
  // A rename that was attempted but failed may or may not have moved the domain: destroy both ids.
  return renamed
    ? [call('VM_destroy', m.to, m.vmUuid), call('VM_destroy', m.to, m.tempId)]
    : [call('VM_destroy', m.to, m.tempId)];
}

function dedupe(vbds: VbdRef[]): VbdRef[] {
  return [...new Map(vbds.map((v) => [v.device, v])).values()];
}

function groupByMode(vbds: VbdRef[]): VbdRef[][] {
  return [vbds.filter((v) => v.mode === 'RW'), vbds.filter((v) => v.mode === 'RO')].filter((g) => g.length > 0);
}
