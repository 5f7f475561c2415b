// The QMP steps of an early-attach live migration, as the tests drive them: capabilities on both
// ends, listen, migrate, stop in pre-switchover, then continue and resume the destination.
import { DEST_CAPS, LOCAL_MAX_BANDWIDTH, SOURCE_CAPS, setCaps } from '../../qemu/migration';
import type { QemuProcess } from '../../qemu/qemu-process';
import type { QmpEvent } from '../../qemu/qmp';

export { DEST_CAPS, queryMigrate, SOURCE_CAPS, setCaps, type MigrateInfo } from '../../qemu/migration';

/**
 * Sets both ends up, starts the migration, and returns the source's STOP event once the source is
 * paused before switchover: the point where an orchestrator attaches disks on the destination.
 */
export async function migrateToPreSwitchover(src: QemuProcess, dst: QemuProcess, uri: string): Promise<QmpEvent> {
  await setCaps(dst.qmp, DEST_CAPS);
  await setCaps(src.qmp, SOURCE_CAPS);
  await src.qmp.execute('migrate-set-parameters', { 'max-bandwidth': LOCAL_MAX_BANDWIDTH });
  // The reply comes once the destination listens; `migrate` would not wait for that itself.
  await dst.qmp.execute('migrate-incoming', { uri });
  const stop = src.qmp.waitEvent('STOP', undefined, 60_000);
  const paused = src.qmp.waitMigration('pre-switchover', 60_000);
  await src.qmp.execute('migrate', { uri });
  const [stopped] = await Promise.all([stop, paused]);
  return stopped;
}

/** Lets the source switch over and waits until both ends report `completed`. */
export async function switchOver(src: QemuProcess, dst: QemuProcess): Promise<void> {
  const srcDone = src.qmp.waitMigration('completed');
  const dstDone = dst.qmp.waitMigration('completed');
  await src.qmp.execute('migrate-continue', { state: 'pre-switchover' });
  await Promise.all([srcDone, dstDone]);
}

/** `cont` on the destination (only after its `completed`); resolves with its RESUME event. */
export async function resume(dst: QemuProcess): Promise<QmpEvent> {
  const resumed = dst.qmp.waitEvent('RESUME');
  await dst.qmp.execute('cont');
  return resumed;
}
