// Starting and discarding a pool's QEMU guests and the storage daemons of its NBD SRs.
// `startStack` (workers/stack.ts) starts, before any host process, every NBD SR's daemon that is
// not serving, then boots every VM the pool has running on a qemu host and whose QEMU is not
// running (a fresh pool, or after the machine restarted): a guest's QMP socket serves one client,
// which from then on is its host's process. What runs already is left alone, to be adopted.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { vmUuid } from '../domain/ids';
import { hostBackend, type Pool } from '../domain/pool';
import type { SimPool } from '../sim/sim-pool';
import { archiveSerialLog, guestDirs, qemuRoot, srDir, VDI_BYTES, vmDir } from './layout';
import { killAndWait } from './pid';
import { QemuProcess, runningPid } from './qemu-process';
import { ensureStorageDaemon, killStorageDaemons, type NbdExport } from './storage-daemon';
import { guestRuntime, vmDisks, vmGuestSpec } from './vm-spec';

/** A VDI's image, created empty (qcow2, VDI_BYTES) the first time; never overwritten. */
export function ensureImage(qemuImg: string, path: string): void {
  if (existsSync(path)) return;
  mkdirSync(dirname(path), { recursive: true });
  execFileSync(qemuImg, ['create', '-q', '-f', 'qcow2', path, String(VDI_BYTES)]);
}

/** Per NBD SR, what its daemon exports: the VDIs on it of qemu hosts' VMs (a VDI several VMs share, once). */
export function nbdExports(pool: Pool, stateFile: string): Map<string, NbdExport[]> {
  const bySr = new Map<string, NbdExport[]>();
  // A VM never changes backend (validateRequest), so its first host's backend is its backend.
  for (const vm of pool.vms.filter((v) => hostBackend(pool, v.residentOn) === 'qemu'))
    for (const d of vmDisks(pool, stateFile, vm)) {
      if (!d.nbd) continue;
      const list = bySr.get(d.sr) ?? [];
      if (!list.some((e) => e.vdi === d.vdi)) list.push({ vdi: d.vdi, path: d.path });
      bySr.set(d.sr, list);
    }
  return bySr;
}

/** Starts the daemon of every NBD SR not serving yet, its images created first; returns the SRs started. */
export async function startStorageDaemons(pool: Pool, stateFile: string): Promise<string[]> {
  const started: string[] = [];
  for (const [sr, exports] of nbdExports(pool, stateFile)) {
    const { install } = guestRuntime();
    for (const e of exports) ensureImage(install.img, e.path);
    const r = await ensureStorageDaemon({ dir: srDir(stateFile, sr), binary: install.storageDaemon, exports });
    if (r.started) started.push(sr);
  }
  return started;
}

/** Starts the NBD SRs' daemons, then boots the guests that should run and do not; returns what it started. */
export async function bootQemuGuests(sim: SimPool): Promise<{ srs: string[]; guests: string[] }> {
  const pool = sim.snapshot();
  // Before the guests: a guest on an NBD SR connects to its export when QEMU starts.
  const srs = await startStorageDaemons(pool, sim.file);
  const guests: string[] = [];
  for (const vm of pool.vms) {
    const uuid = vmUuid(pool.name, vm.name);
    const host = sim.runningOn(uuid)[0];
    if (host === undefined || hostBackend(pool, host) !== 'qemu') continue;
    const dir = vmDir(sim.file, host, uuid);
    if (runningPid(dir) !== null) continue;
    const rt = guestRuntime();
    const disks = vmDisks(pool, sim.file, vm);
    for (const d of disks) if (!d.nbd) ensureImage(rt.install.img, d.path);
    archiveSerialLog(dir);
    const proc = await QemuProcess.start(vmGuestSpec(rt, dir, vm, disks, false));
    await proc.qmp.close();
    guests.push(vm.name);
  }
  return { srs, guests };
}

/** SIGKILLs every guest of the pool in `stateFile`, then its storage daemons (tests; a pool initialised afresh). */
export async function killQemuGuests(stateFile: string): Promise<void> {
  await Promise.all(
    guestDirs(stateFile).map(async (dir) => {
      const pid = runningPid(dir);
      if (pid !== null) await killAndWait(pid);
    }),
  );
  await killStorageDaemons(stateFile);
}

/** Kills the guests and storage daemons and deletes their directories and images: the pool starts over. */
export async function discardQemuGuests(stateFile: string): Promise<void> {
  await killQemuGuests(stateFile);
  rmSync(qemuRoot(stateFile), { recursive: true, force: true });
}
