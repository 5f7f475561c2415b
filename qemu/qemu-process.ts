// One QEMU guest process, started detached so it outlives the Node process that spawned it (an
// orchestrator restart must not kill a VM), and found again later by its directory: the pid file
// and the QMP socket both live there, under fixed names.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { accelArgs, type QemuAccel } from './install';
import { isRunning, killQuietly, logTail, runningPidOf, spawnDetached } from './pid';
import { QmpClient } from './qmp';

/** The device's root node, as `-blockdev` / `blockdev-add` JSON. */
export type BlockdevOptions = { driver: string; 'node-name': string } & Record<string, unknown>;

export interface DiskSpec {
  /** qdev id of the virtio-blk-pci device. */
  id: string;
  /** PCI slot, pinned: device state in the migration stream is named after the bus address. */
  slot: number;
  blockdev: BlockdevOptions;
}

export interface GuestSpec {
  /** Holds qmp.sock, qemu.pid, serial.log and qemu.log; keep it short (unix socket path limit). */
  dir: string;
  /** qemu-system-x86_64 (ensureQemu().system); found on PATH when omitted. */
  binary?: string;
  /** Must be the same on both ends of a migration; TCG when omitted (qemuAccel()). */
  accel?: QemuAccel;
  memoryMiB?: number;
  kernel?: string;
  initrd?: string;
  append?: string;
  disks?: DiskSpec[];
  /** `-object` JSON (e.g. a throttle-group), created before the block nodes that use it. */
  objects?: Record<string, unknown>[];
  /** A migration destination: `-S -incoming defer`, so capabilities can be set before listening. */
  incoming?: boolean;
  /** `-S` without `-incoming`: runstate `prelaunch` until `cont`. */
  paused?: boolean;
}

export class QemuStartError extends Error {
  override name = 'QemuStartError';
}

export const guestPaths = (dir: string) => ({
  qmp: join(dir, 'qmp.sock'),
  pid: join(dir, 'qemu.pid'),
  serial: join(dir, 'serial.log'),
  log: join(dir, 'qemu.log'),
});

/** The pid of the QEMU started in `dir`, if it still runs (its command line names the dir's socket). */
export const runningPid = (dir: string): number | null => runningPidOf(guestPaths(dir).pid, guestPaths(dir).qmp);

/** sun_path is 108 bytes including the NUL. */
export const MAX_SOCKET_PATH = 107;
const DEFAULT_BINARY = 'qemu-system-x86_64';

export const qcow2Node = (nodeName: string, filename: string): BlockdevOptions => ({
  driver: 'qcow2',
  'node-name': nodeName,
  file: { driver: 'file', filename },
});

/** A client of an NBD export on a unix socket (qemu-storage-daemon's), as `-blockdev` / `blockdev-add` JSON. */
export const nbdNode = (nodeName: string, socket: string, exportName: string): BlockdevOptions => ({
  driver: 'nbd',
  'node-name': nodeName,
  server: { type: 'unix', path: socket },
  export: exportName,
});

/** The `device_add` arguments matching a disk's `-device` option. */
export const diskDevice = (d: { id: string; slot: number; nodeName: string }) => ({
  driver: 'virtio-blk-pci',
  id: d.id,
  drive: d.nodeName,
  addr: `0x${d.slot.toString(16)}`,
});

export function guestArgv(spec: GuestSpec): string[] {
  const p = guestPaths(spec.dir);
  const argv = ['-machine', 'pc-i440fx-7.2', ...accelArgs(spec.accel ?? 'tcg')];
  argv.push('-m', String(spec.memoryMiB ?? 128), '-smp', '1');
  // -no-reboot: a guest that panics (panic=-1) makes QEMU exit, a visible failure, not a boot loop.
  argv.push('-nodefaults', '-no-user-config', '-display', 'none', '-no-reboot', '-pidfile', p.pid);
  argv.push('-chardev', `socket,id=qmp,path=${p.qmp},server=on,wait=off`, '-mon', 'chardev=qmp,mode=control');
  argv.push('-serial', `file:${p.serial}`);
  if (spec.kernel) argv.push('-kernel', spec.kernel, '-append', spec.append ?? 'console=ttyS0 panic=-1');
  if (spec.initrd) argv.push('-initrd', spec.initrd);
  for (const o of spec.objects ?? []) argv.push('-object', JSON.stringify(o));
  for (const d of spec.disks ?? []) {
    const dev = diskDevice({ id: d.id, slot: d.slot, nodeName: d.blockdev['node-name'] });
    argv.push('-blockdev', JSON.stringify(d.blockdev), '-device', JSON.stringify(dev));
  }
  if (spec.incoming) argv.push('-S', '-incoming', 'defer');
  else if (spec.paused) argv.push('-S');
  return argv;
}

export class QemuProcess {
  private constructor(
    readonly dir: string,
    readonly pid: number,
    readonly qmp: QmpClient,
  ) {}

  /** Spawns QEMU detached and connects to its QMP monitor; a QEMU that exits first is an error. */
  static async start(spec: GuestSpec, timeoutMs = 15_000): Promise<QemuProcess> {
    const p = preparedDir(spec.dir);
    const child = spawnDetached(spec.binary ?? DEFAULT_BINARY, guestArgv(spec), p.log);
    const exited = child.exited.then((why): never => {
      throw new QemuStartError(`QEMU in ${spec.dir} ${why}: ${logTail(p.log)}`);
    });
    exited.catch(() => undefined);
    const connecting = QmpClient.connect(p.qmp, timeoutMs);
    try {
      const qmp = await Promise.race([connecting, exited]);
      return new QemuProcess(spec.dir, child.pid!, qmp);
    } catch (err) {
      connecting.then((q) => q.close()).catch(() => undefined);
      if (child.pid) killQuietly(child.pid);
      throw err;
    }
  }

  /** Reconnects to a QEMU started earlier (possibly by another process) in `dir`. */
  static async adopt(dir: string, timeoutMs = 5_000): Promise<QemuProcess> {
    const pid = runningPid(dir);
    if (pid === null) throw new QemuStartError(`no QEMU is running for ${dir}`);
    return new QemuProcess(dir, pid, await QmpClient.connect(guestPaths(dir).qmp, timeoutMs));
  }

  isAlive(): boolean {
    return isRunning(this.pid);
  }

  /** Resolves true once the process is gone, false if it is still there after timeoutMs. */
  async waitExit(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (isRunning(this.pid)) {
      if (Date.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, 25));
    }
    return true;
  }

  /** QMP `quit`, then SIGKILL if QEMU is still there after timeoutMs. */
  async stop(timeoutMs = 5_000): Promise<void> {
    // The reply to `quit` races the socket closing; either way the outcome is the process exit.
    if (this.isAlive()) await this.qmp.execute('quit', undefined, timeoutMs).catch(() => undefined);
    if (!(await this.waitExit(timeoutMs))) {
      killQuietly(this.pid);
      await this.waitExit(2_000);
    }
    await this.qmp.close();
  }

  /** SIGKILL at once: for cleanup after a failed test or a process that must not run on. */
  async kill(): Promise<void> {
    killQuietly(this.pid);
    await this.waitExit(2_000);
    await this.qmp.close();
  }
}

function preparedDir(dir: string) {
  const p = guestPaths(dir);
  if (Buffer.byteLength(p.qmp) > MAX_SOCKET_PATH) throw new QemuStartError(`socket path too long: ${p.qmp}`);
  // QEMU's option parser splits on commas; a path with one would be cut short.
  if (dir.includes(',')) throw new QemuStartError(`guest dir must not contain a comma: ${dir}`);
  mkdirSync(dir, { recursive: true });
  for (const stale of [p.qmp, p.pid]) rmSync(stale, { force: true });
  return p;
}
