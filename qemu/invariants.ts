// The invariants of docs/design.md §5 checked against QEMU itself, where the audit (sim/audit.ts)
// checks the event log. For every VM the pool has on a qemu host:
//  (a) its guest runs in exactly one QEMU, on the host the pool has it on; any other QEMU of it (an
//      incoming destination, a source after the switchover) is stopped;
//  (b) each of its writable VDIs is write-locked by at most one process, the guest running the VM
//      (on an NBD SR, the SR's storage daemon: no guest opens such an image itself).
// Run state comes from the guests' consoles (qemu/console-watch.ts), write locks from /proc
// (qemu/image-locks.ts): neither needs a guest's QMP socket, whose one client is its host's process.
// (a) describes a pool at rest: inside a switchover the guest runs nowhere for a moment.
import { vmUuid } from '../domain/ids';
import { hostBackend, type Pool, type Vm } from '../domain/pool';
import { CONSOLE_WINDOW, watchConsoles, type ConsoleWindow } from './console-watch';
import { imageUsers, type ImageUser } from './image-locks';
import { vmDir } from './layout';
import { vmDisks, type VmDisk } from './vm-spec';

export interface GuestSeen {
  host: string;
  pid: number;
  /** Its console grew while watched: the guest executes. */
  runs: boolean;
}

export interface DiskSeen {
  device: string;
  vdi: string;
  /** On an NBD SR: the SR's storage daemon is the image's only user. */
  nbd: boolean;
  users: ImageUser[];
}

export interface VmSeen {
  vm: string;
  /** Where the pool has the VM. */
  residentOn: string;
  /** Every QEMU of the VM found in the pool's guest directories. */
  guests: GuestSeen[];
  /** Its read-write VDIs. */
  disks: DiskSeen[];
}

/** The VMs the pool has on qemu hosts. */
export const qemuVms = (pool: Pool): Vm[] => pool.vms.filter((vm) => hostBackend(pool, vm.residentOn) === 'qemu');

/**
 * Violations of (a) and (b), one line each; empty when QEMU agrees. `pool` is a snapshot (the
 * VMs' residence as the pool state has it now). Takes at least `window.minMs` (the consoles).
 */
export async function checkQemuInvariants(
  stateFile: string,
  pool: Pool,
  window: ConsoleWindow = CONSOLE_WINDOW,
): Promise<string[]> {
  return (await observeQemu(stateFile, pool, window)).flatMap(judgeVm);
}

/** What QEMU shows of each qemu VM: its QEMUs and whether each runs, and who holds its disks. */
export async function observeQemu(stateFile: string, pool: Pool, window = CONSOLE_WINDOW): Promise<VmSeen[]> {
  const vms = qemuVms(pool);
  const hosts = pool.hosts.filter((h) => h.backend === 'qemu').map((h) => h.name);
  const dirOf = (vm: Vm, host: string) => vmDir(stateFile, host, vmUuid(pool.name, vm.name));
  const dirs = vms.flatMap((vm) => hosts.map((host) => dirOf(vm, host)));
  const consoles = await watchConsoles(
    dirs,
    vms.map((vm) => dirOf(vm, vm.residentOn)),
    window,
  );
  const disks = new Map(vms.map((vm) => [vm.name, writableDisks(pool, stateFile, vm)]));
  // After the window: a disk changes hands only at a switchover, which the window would have shown.
  const users = imageUsers([...disks.values()].flat().map((d) => d.path));
  return vms.map((vm) => ({
    vm: vm.name,
    residentOn: vm.residentOn,
    guests: hosts.flatMap((host) => {
      const seen = consoles.find((c) => c.dir === dirOf(vm, host));
      return seen ? [{ host, pid: seen.pid, runs: seen.grew }] : [];
    }),
    disks: (disks.get(vm.name) ?? []).map((d) => ({
      device: d.device,
      vdi: d.vdi,
      nbd: d.nbd !== undefined,
      users: users.get(d.path) ?? [],
    })),
  }));
}

function writableDisks(pool: Pool, stateFile: string, vm: Vm): VmDisk[] {
  const rw = new Set(vm.vbds.filter((v) => v.mode === 'RW').map((v) => v.device));
  return vmDisks(pool, stateFile, vm).filter((d) => rw.has(d.device));
}

const at = (g: GuestSeen): string => `${g.host} (pid ${g.pid})`;

/** The violations in one VM's observation (pure: the unit tests feed it observations). */
export function judgeVm(v: VmSeen): string[] {
  const running = v.guests.filter((g) => g.runs);
  const runner = running.length === 1 ? running[0] : undefined;
  return [...judgeRunning(v, running), ...v.disks.flatMap((d) => judgeDisk(v, d, runner))];
}

function judgeRunning(v: VmSeen, running: GuestSeen[]): string[] {
  if (running.length > 1)
    return [`${v.vm}: its guest runs in ${running.length} QEMUs at once: ${running.map(at).join(', ')}`];
  const [only] = running;
  if (only === undefined) {
    const stopped = v.guests.map((g) => `the QEMU on ${at(g)} is stopped`).join(', ');
    return [
      `${v.vm}: its guest runs nowhere (the pool has it on ${v.residentOn}; ${stopped || 'no QEMU of it is up'})`,
    ];
  }
  if (only.host !== v.residentOn)
    return [`${v.vm}: its guest runs on ${at(only)}, but the pool has it on ${v.residentOn}`];
  return [];
}

function judgeDisk(v: VmSeen, d: DiskSeen, runner: GuestSeen | undefined): string[] {
  const name = `${v.vm} ${d.device} (VDI ${d.vdi})`;
  const who = (u: ImageUser): string => {
    const guest = v.guests.find((g) => g.pid === u.pid);
    return guest ? `the QEMU on ${at(guest)}` : `${u.comm} (pid ${u.pid})`;
  };
  const writers = d.users.filter((u) => u.writes);
  if (writers.length > 1)
    return [`${name}: write-locked by ${writers.length} processes: ${writers.map(who).join(', ')}`];
  const [writer] = writers;
  if (d.nbd) {
    const guests = d.users.filter((u) => u.comm.startsWith('qemu-system'));
    const direct = guests.map((u) => `${name}: ${who(u)} opens the image itself, not through the NBD SR's daemon`);
    return writer ? direct : [...direct, `${name}: nobody holds its write lock (is the NBD SR's daemon serving it?)`];
  }
  if (writer)
    return writer.pid === runner?.pid ? [] : [`${name}: write-locked by ${who(writer)}, not the running guest`];
  if (runner === undefined) return [];
  const open = d.users.some((u) => u.pid === runner.pid);
  const why = open ? 'has it open without the write lock (an inactive disk)' : 'does not have it open';
  return [`${name}: the guest running on ${at(runner)} ${why}`];
}
