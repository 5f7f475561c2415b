// One qemu-storage-daemon per NBD SR: the only process that opens the SR's qcow2 images. It exports
// each VDI, writable, on the SR's unix socket under the VDI's id, and every QEMU that uses the VDI
// (the source and the destination of a migration alike) is an NBD client of it, as of storage on a
// network: no image is ever open in two processes, so no qcow2 metadata is cached in two places.
// Started detached, so it outlives liveshift's processes like the guests it serves, and found
// again by its directory: the pid file and the sockets live there under fixed names.
import { mkdirSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { srDirs, storageDaemonPaths } from './layout';
import { killAndWait, killQuietly, logTail, runningPidOf, spawnDetached } from './pid';
import { MAX_SOCKET_PATH, qcow2Node } from './qemu-process';

/** A VDI the daemon exports: its id (the export's name) and its qcow2 image. */
export interface NbdExport {
  vdi: string;
  path: string;
}

export interface StorageDaemonSpec {
  /** The SR's directory: nbd.sock, qsd-qmp.sock, qsd.pid and qsd.log go there. */
  dir: string;
  /** qemu-storage-daemon (ensureQemu().storageDaemon). */
  binary: string;
  exports: NbdExport[];
}

export class StorageDaemonError extends Error {
  override name = 'StorageDaemonError';
}

/**
 * The daemon's options, which it applies in order: the NBD server must exist before an export on
 * it, a format node before its export. Node and export ids are positional because a VDI id may
 * be longer than QEMU allows a node name (31 characters); the export's name is the VDI id.
 */
export function storageDaemonArgv(spec: StorageDaemonSpec): string[] {
  const p = storageDaemonPaths(spec.dir);
  const argv = ['--chardev', `socket,id=qmp,path=${p.qmp},server=on,wait=off`, '--monitor', 'chardev=qmp'];
  spec.exports.forEach((e, i) => argv.push('--blockdev', JSON.stringify(qcow2Node(`vdi${i}`, e.path))));
  argv.push('--nbd-server', JSON.stringify({ addr: { type: 'unix', path: p.nbd } }));
  spec.exports.forEach((e, i) => {
    const exp = { type: 'nbd', id: `exp${i}`, 'node-name': `vdi${i}`, name: e.vdi, writable: true };
    argv.push('--export', JSON.stringify(exp));
  });
  // Written once every export exists (qemu-storage-daemon(1)): the readiness signal.
  argv.push('--pidfile', p.pid);
  return argv;
}

/** The pid of the daemon of `dir`, if it runs: its command line names its monitor socket (a guest's names nbd.sock). */
export const runningStorageDaemon = (dir: string): number | null => {
  const p = storageDaemonPaths(dir);
  return runningPidOf(p.pid, p.qmp);
};

/** The SR's daemon: one that runs already is left alone (its guests are connected to it), else one is started. */
export async function ensureStorageDaemon(spec: StorageDaemonSpec): Promise<{ pid: number; started: boolean }> {
  const running = runningStorageDaemon(spec.dir);
  if (running !== null) return { pid: running, started: false };
  return { pid: await startStorageDaemon(spec), started: true };
}

/** Spawns the daemon detached; resolves with its pid once its pid file says every export exists. */
export async function startStorageDaemon(spec: StorageDaemonSpec, timeoutMs = 15_000): Promise<number> {
  const p = preparedDir(spec.dir);
  const child = spawnDetached(spec.binary, storageDaemonArgv(spec), p.log);
  let exited: string | undefined;
  void child.exited.then((why) => (exited = why));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pid = runningStorageDaemon(spec.dir);
    if (pid !== null) return pid;
    const why = exited ?? (Date.now() > deadline ? `not serving within ${timeoutMs} ms` : undefined);
    if (why !== undefined) {
      if (child.pid) killQuietly(child.pid);
      throw new StorageDaemonError(`qemu-storage-daemon in ${spec.dir} ${why}: ${logTail(p.log)}`);
    }
    await sleep(20);
  }
}

/** SIGKILLs the storage daemon of every NBD SR of the pool in `stateFile`. */
export async function killStorageDaemons(stateFile: string): Promise<void> {
  await Promise.all(
    srDirs(stateFile).map(async (dir) => {
      const pid = runningStorageDaemon(dir);
      if (pid !== null && !(await killAndWait(pid)))
        throw new StorageDaemonError(`qemu-storage-daemon ${pid} in ${dir} survived SIGKILL`);
    }),
  );
}

function preparedDir(dir: string) {
  const p = storageDaemonPaths(dir);
  for (const socket of [p.nbd, p.qmp])
    if (Buffer.byteLength(socket) > MAX_SOCKET_PATH) throw new StorageDaemonError(`socket path too long: ${socket}`);
  // The monitor's chardev option is comma-separated: a path with a comma would be cut short.
  if (dir.includes(',')) throw new StorageDaemonError(`SR dir must not contain a comma: ${dir}`);
  mkdirSync(dir, { recursive: true });
  for (const stale of [p.nbd, p.qmp, p.pid]) rmSync(stale, { force: true });
  return p;
}
