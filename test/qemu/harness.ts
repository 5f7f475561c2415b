// Helpers for the QEMU tests: guests that are always killed, images, the busybox guest's counter,
// and the probes that tell an active block node from an inactive one.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseCounters, parseDiskCounter } from '../../qemu/guest-init';
import { ensureGuestImage, type GuestImage } from '../../qemu/guest-image';
import { ensureQemu, type QemuInstall } from '../../qemu/install';
import { guestPaths, qcow2Node, QemuProcess, type DiskSpec, type GuestSpec } from '../../qemu/qemu-process';
import type { QmpClient } from '../../qemu/qmp';

export const disk = (image: string): DiskSpec => ({ id: 'vblk0', slot: 5, blockdev: qcow2Node('disk0', image) });

/** Owns a short temp root (unix socket paths) and every QEMU started in it. */
export class Harness {
  readonly root = mkdtempSync('/tmp/lsq-');
  readonly qemu: QemuInstall = ensureQemu();
  readonly image: GuestImage = ensureGuestImage();
  private readonly procs: QemuProcess[] = [];

  /** A QEMU running the busybox guest (unless `bare`); source and destination must agree on it. */
  async guest(name: string, spec: Omit<GuestSpec, 'dir' | 'binary'> = {}, bare = false): Promise<QemuProcess> {
    const boot = bare ? {} : { kernel: this.image.kernel, initrd: this.image.initrd, append: this.image.append };
    const proc = await QemuProcess.start({ ...boot, ...spec, dir: join(this.root, name), binary: this.qemu.system });
    this.procs.push(proc);
    return proc;
  }

  /** A source VM whose guest has booted and is counting (so its RAM and disk are being dirtied). */
  async countingSource(name: string, image: string): Promise<QemuProcess> {
    const src = await this.guest(name, { disks: [disk(image)] });
    await waitForCounter([src.dir], 3, 60_000);
    return src;
  }

  /** Adopted handles are tracked too, so the kill in afterEach covers them. */
  track(proc: QemuProcess): QemuProcess {
    this.procs.push(proc);
    return proc;
  }

  async killAll(): Promise<void> {
    await Promise.all(this.procs.splice(0).map((p) => p.kill().catch(() => undefined)));
  }

  async dispose(): Promise<void> {
    await this.killAll();
    rmSync(this.root, { recursive: true, force: true });
  }

  createImage(name: string, sizeBytes: number): string {
    const path = join(this.root, name);
    const r = spawnSync(this.qemu.img, ['create', '-q', '-f', 'qcow2', path, String(sizeBytes)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`qemu-img create failed: ${r.stderr}`);
    return path;
  }

  /**
   * True when some process holds the image's write lock. `qemu-img info` without -U wants others
   * not to write, so it fails exactly while an active node has the image open read-write; an
   * inactive node (a migration destination, a source after switchover) takes no lock.
   */
  imageLocked(path: string): boolean {
    const r = spawnSync(this.qemu.img, ['info', path], { encoding: 'utf8' });
    if (r.status === 0) return false;
    if (/lock/i.test(r.stderr)) return true;
    throw new Error(`qemu-img info failed for another reason: ${r.stderr}`);
  }

  /**
   * Writes a pattern through a running VM's disk device, flushes, and reads it back from the
   * image file with -U (the VM holds the lock). HMP's qemu-io prints its results on QEMU's stdout,
   * not to the monitor, so the image itself is the only reliable witness that the write happened.
   */
  async writesThrough(qmp: QmpClient, device: string, image: string, pattern: number): Promise<boolean> {
    const hex = `0x${pattern.toString(16)}`;
    const out = await qemuIo(qmp, { device }, `write -P ${hex} 1M 512`);
    if (out.trim()) throw new Error(`qemu-io write on ${device}: ${out}`);
    await qemuIo(qmp, { device }, 'flush');
    const io = join(dirname(this.qemu.img), 'qemu-io');
    const r = spawnSync(io, ['-U', '-r', '-f', 'qcow2', '-c', `read -P ${hex} 1M 512`, image], { encoding: 'utf8' });
    return r.status === 0 && /read 512\/512/.test(r.stdout) && !/verification failed/i.test(r.stdout);
  }

  /** The counter the guest last wrote to the image's first sector (read with -U: a VM may hold it). */
  diskCounter(image: string): number | undefined {
    const out = join(this.root, 'sector0.raw');
    rmSync(out, { force: true });
    const args = ['dd', '-U', '-f', 'qcow2', '-O', 'raw', 'bs=512', 'count=1', `if=${image}`, `of=${out}`];
    const r = spawnSync(this.qemu.img, args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`qemu-img dd failed: ${r.stderr}`);
    return parseDiskCounter(readFileSync(out));
  }
}

/**
 * The guest's counters across several VMs' serial logs, in order. The logs are joined before
 * parsing because the switchover can fall in the middle of a line.
 */
export function counters(dirs: string[]): number[] {
  const read = (dir: string) =>
    existsSync(guestPaths(dir).serial) ? readFileSync(guestPaths(dir).serial, 'latin1') : '';
  return parseCounters(dirs.map(read).join(''));
}

export async function waitForCounter(dirs: string[], atLeast: number, timeoutMs = 30_000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const seen = counters(dirs);
    if ((seen.at(-1) ?? 0) >= atLeast) return seen;
    if (Date.now() >= deadline) throw new Error(`guest counter not at ${atLeast} in ${timeoutMs} ms: ${seen.at(-1)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const status = async (qmp: QmpClient): Promise<string> =>
  (await qmp.execute<{ status: string }>('query-status')).status;

/**
 * Runs a qemu-io command through HMP; the output text is the only result HMP gives. With a node
 * name QEMU builds a fresh BlockBackend that must ask for the write permission, which an inactive
 * node refuses ("Block node is read-only"). An active node's device does not share writes, so a
 * write that should succeed goes through the device's own BlockBackend instead (`-d <qdev path>`).
 */
export const qemuIo = (qmp: QmpClient, target: { node: string } | { device: string }, command: string) =>
  qmp.execute<string>('human-monitor-command', {
    'command-line': `qemu-io ${'node' in target ? target.node : `-d ${virtioBackend(target.device)}`} "${command}"`,
  });

/** The BlockBackend hangs off the virtio device inside the PCI proxy that carries the id. */
const virtioBackend = (id: string) => `/machine/peripheral/${id}/virtio-backend`;
