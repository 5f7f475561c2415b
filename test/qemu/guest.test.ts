// The QEMU test guest boots (under TCG unless LIVESHIFT_QEMU_ACCEL=kvm), finds its virtio disk,
// prints consecutive counters on the serial console and keeps the latest one in the disk's first
// sector: what a migration test will watch across a switchover.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopChild } from '../../cli/temporal-server';
import { GUEST_READY, parseCounters, parseDiskCounter } from '../../qemu/guest-init';
import { ensureGuestImage, type GuestImage } from '../../qemu/guest-image';
import { accelArgs, ensureQemu, qemuAccel, type QemuInstall } from '../../qemu/install';

const BOOT_TIMEOUT_MS = 60_000;
const WANTED_COUNTER = 5;

let qemu: QemuInstall;
let guest: GuestImage;
let dir: string;

beforeAll(() => {
  qemu = ensureQemu();
  guest = ensureGuestImage();
  dir = mkdtempSync(join(tmpdir(), 'liveshift-guest-'));
}, 600_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function guestArgs(disk: string, serialLog: string): string[] {
  const blockdev = { driver: 'qcow2', 'node-name': 'disk0', file: { driver: 'file', filename: disk } };
  return [
    ...['-machine', 'pc-i440fx-7.2', ...accelArgs(qemuAccel()), '-m', '128'],
    ...['-nodefaults', '-no-user-config', '-display', 'none', '-no-reboot'],
    ...['-kernel', guest.kernel, '-initrd', guest.initrd, '-append', guest.append],
    ...['-chardev', `file,id=ser0,path=${serialLog}`, '-serial', 'chardev:ser0'],
    ...['-blockdev', JSON.stringify(blockdev), '-device', 'virtio-blk-pci,id=vblk0,drive=disk0,addr=0x5'],
  ];
}

const readLog = (path: string): string => (existsSync(path) ? readFileSync(path, 'utf8') : '');

/** Polls the serial log until the guest is ready and has printed `counter`; times from `started`. */
async function waitForCounter(child: ChildProcess, serialLog: string, started: number) {
  let readyMs: number | undefined;
  while (Date.now() - started < BOOT_TIMEOUT_MS) {
    const log = readLog(serialLog);
    if (readyMs === undefined && log.includes(GUEST_READY)) readyMs = Date.now() - started;
    if (readyMs !== undefined && parseCounters(log).some((n) => n >= WANTED_COUNTER))
      return { readyMs, counterMs: Date.now() - started };
    if (child.exitCode !== null || child.signalCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const tail = readLog(serialLog).trim().split('\n').slice(-15).join('\n');
  throw new Error(`guest not at counter ${WANTED_COUNTER} (qemu exit ${child.exitCode}); serial tail:\n${tail}`);
}

/** The disk's first sector, read through qemu-img (the image is qcow2, so not a plain file read). */
function firstSector(disk: string): Buffer {
  const out = join(dir, 'sector0.raw');
  rmSync(out, { force: true });
  execFileSync(qemu.img, ['dd', '-f', 'qcow2', '-O', 'raw', 'bs=512', 'count=1', `if=${disk}`, `of=${out}`]);
  return readFileSync(out);
}

describe('QEMU test guest', () => {
  it('boots, counts on the serial console without gaps, and keeps the last count on its disk', async () => {
    const disk = join(dir, 'disk.qcow2');
    const serialLog = join(dir, 'serial.log');
    execFileSync(qemu.img, ['create', '-q', '-f', 'qcow2', disk, '16M']);
    const started = Date.now();
    const child = spawn(qemu.system, guestArgs(disk, serialLog), { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => void (stderr += d.toString()));
    let timing: { readyMs: number; counterMs: number };
    try {
      timing = await waitForCounter(child, serialLog, started);
    } catch (err) {
      throw new Error(`${(err as Error).message}\nqemu stderr: ${stderr.trim()}`);
    } finally {
      await stopChild(child, 5_000);
    }

    const counters = parseCounters(readLog(serialLog));
    const last = counters.at(-1) ?? 0;
    expect(counters).toEqual(Array.from({ length: last }, (_, i) => i + 1));
    // The guest writes the disk before the console, so the disk holds the last printed value,
    // or the next one if QEMU stopped between the two writes.
    const onDisk = parseDiskCounter(firstSector(disk));
    expect(onDisk).toBeGreaterThanOrEqual(WANTED_COUNTER);
    expect([last, last + 1]).toContain(onDisk);
    console.log(
      `guest (${qemuAccel()}, QEMU ${qemu.qemuVersion}, kernel ${guest.kernelVersion}): ready after ${timing.readyMs} ms, ` +
        `counter ${WANTED_COUNTER} after ${timing.counterMs} ms; stopped at ${last}, disk holds ${onDisk}`,
    );
  });
});
