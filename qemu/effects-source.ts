// The source's side of a migration on QEMU. QEMU runs pre-copy itself and stops the guest when the
// rest fits its downtime limit; `pause-before-switchover` then holds the migration in
// pre-switchover. The planner puts VM_precopy in the same host run as VM_suspend for QEMU sources
// (domain/planner.ts), so nothing but this process's own bookkeeping lies between QEMU's stop and
// the window. VM_suspend confirms the stop (or stops the guest itself if QEMU has not yet);
// VM_memory_final lets QEMU send the last pages and the device state (`migrate-continue`); QEMU
// inactivates the disks in between, which VBD_deactivate confirms.
import { FailureType, LiveshiftError } from '../domain/errors';
import { refused, WAIT_MS, type Effect } from './effect-env';
import type { Guest } from './guest';
import { migrationUri } from './layout';
import { qemuDetail } from './measure';
import { MIGRATING, setCaps, SOURCE_CAPS, SOURCE_PARAMETERS, type MigrateInfo } from './migration';

const ended = (m: MigrateInfo) => m.status === 'failed' || m.status === 'cancelled';
const endedError = (m: MigrateInfo) =>
  // The destination exits when its incoming migration breaks: trying again cannot help.
  new LiveshiftError(FailureType.PreconditionFailed, `migration ${m.status}: ${m['error-desc'] ?? 'no reason given'}`);

async function startMigration(guest: Guest, uri: string): Promise<void> {
  await setCaps(guest.qmp, SOURCE_CAPS);
  await guest.qmp.execute('migrate-set-parameters', SOURCE_PARAMETERS);
  await guest.qmp.execute('migrate', { uri });
}

/** Cancels whatever migration holds the guest and waits until it runs again (best effort, bounded). */
export async function giveBack(guest: Guest): Promise<void> {
  await guest.qmp.execute('migrate_cancel').catch(() => undefined);
  const deadline = Date.now() + WAIT_MS.short;
  while (Date.now() < deadline) {
    const m = await guest.migration().catch(() => undefined);
    if (!m || !MIGRATING.has(m.status)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** VM_precopy: migrate to the destination's socket until QEMU stops the guest in pre-switchover. */
export const precopy: Effect = async (env) => {
  const peer = env.call.memory?.peer;
  if (peer === undefined) throw new LiveshiftError(FailureType.BadRequest, 'VM_precopy needs memory.peer');
  const guest = await env.guest();
  if (!MIGRATING.has((await guest.migration()).status)) await startMigration(guest, migrationUri(env.dirOn(peer)));
  try {
    await guest.until('pre-copy to converge', pausedProbe(guest), env.ctx, WAIT_MS.precopy);
  } catch (err) {
    // An atom that fails or is cancelled takes no effect: the guest runs on, unmigrated.
    await giveBack(guest);
    throw err;
  }
  return qemuDetail({ stopMs: guest.lastEvent('STOP')?.timestampMs });
};

/** The migration stands in pre-switchover (or went past it): the guest is stopped. */
const pausedProbe = (guest: Guest) => async () => {
  const m = await guest.migration();
  if (ended(m)) throw endedError(m);
  return m.status === 'pre-switchover' || m.status === 'device' || m.status === 'completed' ? m : undefined;
};

/**
 * VM_suspend: QEMU stopped the guest at the end of pre-copy; a guest still running (a pre-copy
 * that ended otherwise) is stopped here. A rollback before this atom took effect kills the
 * destination, which fails the migration, and QEMU resumes the source it stopped itself.
 */
export const suspend: Effect = async (env) => {
  const guest = await env.guest();
  const state = await guest.runState();
  if (state === 'running') {
    const stopped = guest.qmp.waitEvent('STOP', undefined, WAIT_MS.short);
    await guest.qmp.execute('stop');
    await stopped;
  } else if (state !== 'paused' && state !== 'finish-migrate' && state !== 'postmigrate')
    throw refused(env.call, `the guest is ${state}, neither running nor stopped`);
  return qemuDetail({ stopMs: guest.lastEvent('STOP')?.timestampMs });
};

/** VM_memory_final: the last dirty pages and the device state, until the source reports `completed`. */
export const switchOver: Effect = async (env) => {
  const guest = await env.guest();
  const at = await guest.until('the pause before switchover', pausedProbe(guest), env.ctx, WAIT_MS.switchover);
  if (at.status === 'pre-switchover') await guest.qmp.execute('migrate-continue', { state: 'pre-switchover' });
  await guest.until('the switchover', completedProbe(guest), env.ctx, WAIT_MS.switchover);
  return qemuDetail({ stopMs: guest.lastEvent('STOP')?.timestampMs });
};

const completedProbe = (guest: Guest) => async () => {
  const m = await guest.migration();
  if (ended(m)) throw endedError(m);
  return m.status === 'completed' ? m : undefined;
};

/** VBD_deactivate (source): QEMU inactivated every disk before it sent the device state. */
export const expectSwitchedOver: Effect = async (env) => {
  const guest = await env.guest();
  await guest.until('the disks to be inactivated', completedProbe(guest), env.ctx, WAIT_MS.short);
  return undefined;
};

/**
 * VM_unpause in a rollback (source): a migration still holding the guest is cancelled (QEMU then
 * reactivates the disks); one that completed, to a destination that never ran, is undone by
 * `cont`, which reactivates the disks QEMU handed over (and resumes a guest VM_suspend stopped, which
 * QEMU does not resume after a cancel).
 */
export const resumeSource: Effect = async (env) => {
  const guest = await env.guest();
  const probe = async () => {
    const state = await guest.runState();
    if (state === 'running') return state;
    const m = await guest.migration();
    if (MIGRATING.has(m.status)) {
      if (m.status !== 'cancelling') await guest.qmp.execute('migrate_cancel');
    } else if (state === 'postmigrate' || state === 'paused') await guest.qmp.execute('cont');
    return undefined;
  };
  await guest.until('the source guest to run again', probe, env.ctx, WAIT_MS.short);
  return qemuDetail({ resumeMs: guest.lastEvent('RESUME')?.timestampMs });
};

/**
 * VM_destroy (source, cleanup): QEMU's own figures of the finished migration, then `quit`. They are
 * read here, outside the window, because right at `completed` QEMU may not have filled them in yet
 * (a `downtime` of 0 was seen).
 */
export const retireSource: Effect = async (env) => {
  const m = await env
    .guest()
    .then((g) => g.migration())
    .catch(() => undefined); // no QEMU left (a retry after the quit): nothing to read
  await env.stopGuest('quit');
  if (m?.status !== 'completed') return undefined;
  return qemuDetail({ downtimeMs: m.downtime, ramTransferredBytes: m.ram?.transferred, totalTimeMs: m['total-time'] });
};
