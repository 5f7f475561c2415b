// Each atom's real effect on a QEMU host (docs/qemu.md has the table). Five atoms run on the other
// end of the migration in a rollback (domain/rollback.ts) than in the forward plan
// (domain/planner.ts): VBD_deactivate, VBD_detach and VM_destroy on the destination instead of the
// source, VBD_activate and VM_unpause on the source instead of the destination. The phase tells
// which end an atom is on, and so what it has to do.
import type { AtomCall, AtomName } from '../domain/atoms';
import type { Effect } from './effect-env';
import { attachDisk, awaitSwitchedIn, createIncoming, resumeDestination } from './effects-destination';
import { expectSwitchedOver, precopy, resumeSource, retireSource, suspend, switchOver } from './effects-source';

/** Toolstack bookkeeping only: the pool's state and event, no QEMU step. */
const bookkeeping: Effect = async () => undefined;
const killGuest: Effect = async (env) => void (await env.stopGuest('kill'));

type Role = 'forward' | 'rollback';
const EFFECTS: Record<AtomName, Effect | Record<Role, Effect>> = {
  VM_create: createIncoming,
  VIF_plug: bookkeeping, // the test guest has no NIC
  VBD_set_active: bookkeeping,
  VBD_attach: attachDisk,
  VM_precopy: precopy,
  VM_suspend: suspend,
  VM_memory_final: switchOver,
  VBD_deactivate: { forward: expectSwitchedOver, rollback: killGuest },
  VM_rename: bookkeeping,
  VBD_activate: { forward: awaitSwitchedIn, rollback: bookkeeping },
  VM_unpause: { forward: resumeDestination, rollback: resumeSource },
  VBD_detach: { forward: bookkeeping, rollback: killGuest },
  VM_destroy: { forward: retireSource, rollback: killGuest },
};

export function effectOf(call: AtomCall): Effect {
  const e = EFFECTS[call.atom];
  return typeof e === 'function' ? e : e[call.phase === 'rollback' ? 'rollback' : 'forward'];
}

/**
 * The effect to run even when the pool records the atom as done already (its bookkeeping a no-op).
 * The pool has a QEMU source running until VM_suspend takes effect, but QEMU stops the guest
 * itself at the end of VM_precopy: when VM_suspend then fails, hangs or is cut short by an abort,
 * the rollback's unpause finds the VM running in the pool while QEMU holds it stopped in
 * pre-switchover. Nothing else releases it (QEMU 7.2 leaves that pause only on `migrate-continue`
 * or `migrate_cancel`, not when the destination dies): the unpause cancels the migration anyway,
 * a no-op for a guest that runs.
 */
export function effectEvenIfRecorded(call: AtomCall): Effect | undefined {
  return call.atom === 'VM_unpause' && call.phase === 'rollback' ? resumeSource : undefined;
}
