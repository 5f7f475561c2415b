// Starting and discarding a pool's QEMU guests. `startStack` (workers/stack.ts) boots, before any
// host process starts, every VM the pool has running on a qemu host and whose QEMU is not running
// (a fresh pool, or after the machine restarted): a guest's QMP socket serves one client, which
// from then on is its host's process. A guest that runs already is left alone, to be adopted.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { vmUuid } from '../domain/ids';
import { hostBackend } from '../domain/pool';
import type { SimPool } from '../sim/sim-pool';
import { archiveSerialLog, guestDirs, qemuRoot, VDI_BYTES, vmDir } from './layout';
import { killAndWait } from './pid';
import { QemuProcess, runningPid } from './qemu-process';
import { guestRuntime, vmDisks, vmGuestSpec } from './vm-spec';

/** A VDI's image, created empty (qcow2, VDI_BYTES) the first time; never overwritten. */
export function ensureImage(qemuImg: string, path: string): void {
  if (existsSync(path)) return;
  mkdirSync(dirname(path), { recursive: true });
  execFileSync(qemuImg, ['create', '-q', '-f', 'qcow2', path, String(VDI_BYTES)]);
}

/** Boots the guests that should run and do not; returns the names of the VMs booted. */
export async function bootQemuGuests(sim: SimPool): Promise<string[]> {
  const pool = sim.snapshot();
  const booted: string[] = [];
  for (const vm of pool.vms) {
    const uuid = vmUuid(pool.name, vm.name);
    const host = sim.runningOn(uuid)[0];
    if (host === undefined || hostBackend(pool, host) !== 'qemu') continue;
    const dir = vmDir(sim.file, host, uuid);
    if (runningPid(dir) !== null) continue;
    const rt = guestRuntime();
    const disks = vmDisks(pool, sim.file, vm);
    for (const d of disks) ensureImage(rt.install.img, d.path);
    archiveSerialLog(dir);
    const proc = await QemuProcess.start(vmGuestSpec(rt, dir, vm, disks, false));
    await proc.qmp.close();
    booted.push(vm.name);
  }
  return booted;
}

/** SIGKILLs every guest of the pool in `stateFile` (tests; a pool initialised afresh). */
export async function killQemuGuests(stateFile: string): Promise<void> {
  await Promise.all(
    guestDirs(stateFile).map(async (dir) => {
      const pid = runningPid(dir);
      if (pid !== null) await killAndWait(pid);
    }),
  );
}

/** Kills the guests and deletes their directories and images: the pool starts over. */
export async function discardQemuGuests(stateFile: string): Promise<void> {
  await killQemuGuests(stateFile);
  rmSync(qemuRoot(stateFile), { recursive: true, force: true });
}
