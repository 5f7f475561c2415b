// Where a pool's QEMU guests and disks live: beside the pool's state file, so one state file is
// one pool. `<state dir>/qemu/vms/<host>/<vm uuid, first 8>/` holds one guest's QMP socket, pid
// file, serial log and migration socket; `<state dir>/qemu/srs/<sr>/<vdi>.qcow2` is a VDI's image
// (every host of this machine sees the same files). An NBD SR's directory also holds its
// qemu-storage-daemon's sockets and pid file, the only process that opens that SR's images.
import { existsSync, readdirSync, renameSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { guestPaths } from './qemu-process';

/** Virtual size of every VDI created for a QEMU pool (and so of every placeholder). */
export const VDI_BYTES = 16 * 1024 * 1024;

export const qemuRoot = (stateFile: string): string => join(resolve(dirname(stateFile)), 'qemu');

export const vmDir = (stateFile: string, host: string, vmUuid: string): string =>
  join(qemuRoot(stateFile), 'vms', host, vmUuid.slice(0, 8));

export const srDir = (stateFile: string, sr: string): string => join(qemuRoot(stateFile), 'srs', sr);

export const vdiPath = (stateFile: string, sr: string, vdi: string): string =>
  join(srDir(stateFile, sr), `${vdi}.qcow2`);

/** An NBD SR's qemu-storage-daemon, in its SR's directory: the NBD server, its QMP monitor, pid file, log. */
export const storageDaemonPaths = (dir: string) => ({
  nbd: join(dir, 'nbd.sock'),
  qmp: join(dir, 'qsd-qmp.sock'),
  pid: join(dir, 'qsd.pid'),
  log: join(dir, 'qsd.log'),
});

/** Every SR directory of a pool: `srs/<sr>`. */
export function srDirs(stateFile: string): string[] {
  const srs = join(qemuRoot(stateFile), 'srs');
  return existsSync(srs) ? readdirSync(srs).map((sr) => join(srs, sr)) : [];
}

/** The destination listens here; the source connects to its peer's. */
export const migrationUri = (dir: string): string => `unix:${join(dir, 'mig.sock')}`;

/** Every guest directory of a pool: `vms/<host>/<vm>`. */
export function guestDirs(stateFile: string): string[] {
  const vms = join(qemuRoot(stateFile), 'vms');
  if (!existsSync(vms)) return [];
  return readdirSync(vms).flatMap((host) => readdirSync(join(vms, host)).map((vm) => join(vms, host, vm)));
}

/**
 * A VM that comes back to a host reuses its directory, and QEMU truncates the serial log it
 * opens: the previous guest's log is kept as `serial.<ms>.log` (when it was set aside).
 */
export function archiveSerialLog(dir: string): void {
  const log = guestPaths(dir).serial;
  if (existsSync(log)) renameSync(log, join(dir, `serial.${Date.now()}.log`));
}

/** A directory's serial logs, oldest first: the archived ones, then the current one. */
export function serialLogs(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const archived = readdirSync(dir)
    .map((name) => /^serial\.(\d+)\.log$/.exec(name))
    .flatMap((m) => (m?.[1] ? [{ name: m[0], at: Number(m[1]) }] : []))
    .sort((a, b) => a.at - b.at)
    .map((a) => join(dir, a.name));
  const current = guestPaths(dir).serial;
  return existsSync(current) ? [...archived, current] : archived;
}
