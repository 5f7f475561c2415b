// The rules of QEMU's own invariants (qemu/invariants.ts) on observations made up for each case,
// and the reading of QEMU's write lock out of an fdinfo file: no QEMU needed. The observations
// themselves are made on real guests by test/qemu/faults.test.ts and test/qemu/backend.test.ts.
import { describe, expect, it } from 'vitest';
import { fdinfoLocks, holdsWritePermission } from '../../qemu/image-locks';
import { judgeVm, type DiskSeen, type GuestSeen, type VmSeen } from '../../qemu/invariants';

const GUEST = 'qemu-system-x86';
const a = (runs: boolean): GuestSeen => ({ host: 'host-a', pid: 11, runs });
const b = (runs: boolean): GuestSeen => ({ host: 'host-b', pid: 22, runs });
const disk = (users: DiskSeen['users'], nbd = false): DiskSeen => ({ device: 'xvda', vdi: 'vdi-1', nbd, users });
const writer = (pid: number, comm = GUEST) => ({ pid, comm, writes: true });
const reader = (pid: number) => ({ pid, comm: GUEST, writes: false });
const vm = (guests: GuestSeen[], disks: DiskSeen[] = []): VmSeen => ({
  vm: 'vm-1',
  residentOn: 'host-a',
  guests,
  disks,
});

describe('(a) the guest runs in exactly one QEMU, where the pool has it', () => {
  it('accepts one running guest beside a stopped one (an incoming destination, say)', () => {
    expect(judgeVm(vm([a(true), b(false)], [disk([writer(11), reader(22)])]))).toEqual([]);
  });

  it('flags a guest running twice, nowhere, or on another host than the pool says', () => {
    expect(judgeVm(vm([a(true), b(true)]))).toEqual([
      'vm-1: its guest runs in 2 QEMUs at once: host-a (pid 11), host-b (pid 22)',
    ]);
    expect(judgeVm(vm([a(false)]))).toEqual([
      'vm-1: its guest runs nowhere (the pool has it on host-a; the QEMU on host-a (pid 11) is stopped)',
    ]);
    expect(judgeVm(vm([]))).toEqual(['vm-1: its guest runs nowhere (the pool has it on host-a; no QEMU of it is up)']);
    expect(judgeVm(vm([a(false), b(true)]))).toEqual([
      'vm-1: its guest runs on host-b (pid 22), but the pool has it on host-a',
    ]);
  });
});

describe('(b) a writable disk is write-locked by the running guest alone', () => {
  it('flags two writers, a writer that is not the running guest, and a running guest without its lock', () => {
    expect(judgeVm(vm([a(true), b(false)], [disk([writer(11), writer(22)])]))).toEqual([
      'vm-1 xvda (VDI vdi-1): write-locked by 2 processes: the QEMU on host-a (pid 11), the QEMU on host-b (pid 22)',
    ]);
    expect(judgeVm(vm([a(true)], [disk([reader(11), writer(99, 'qemu-img')])]))).toEqual([
      'vm-1 xvda (VDI vdi-1): write-locked by qemu-img (pid 99), not the running guest',
    ]);
    expect(judgeVm(vm([a(true)], [disk([reader(11)])]))).toEqual([
      'vm-1 xvda (VDI vdi-1): the guest running on host-a (pid 11) has it open without the write lock (an inactive disk)',
    ]);
    expect(judgeVm(vm([a(true)], [disk([])]))).toEqual([
      'vm-1 xvda (VDI vdi-1): the guest running on host-a (pid 11) does not have it open',
    ]);
  });

  it("on an NBD SR: the SR's daemon writes, no guest opens the image itself", () => {
    const daemon = writer(33, 'qemu-storage-da');
    expect(judgeVm(vm([a(true)], [disk([daemon], true)]))).toEqual([]);
    expect(judgeVm(vm([a(true)], [disk([daemon, reader(11)], true)]))).toEqual([
      "vm-1 xvda (VDI vdi-1): the QEMU on host-a (pid 11) opens the image itself, not through the NBD SR's daemon",
    ]);
    expect(judgeVm(vm([a(true)], [disk([], true)]))).toEqual([
      "vm-1 xvda (VDI vdi-1): nobody holds its write lock (is the NBD SR's daemon serving it?)",
    ]);
  });
});

describe("QEMU's write lock in /proc/<pid>/fdinfo", () => {
  // QEMU locks byte 100 + n per permission held, 200 + n per permission not shared; the kernel
  // merges adjacent ranges of one descriptor.
  const fdinfo = (...ranges: string[]) =>
    [
      'pos:\t0',
      'flags:\t0100002',
      'mnt_id:\t25',
      'ino:\t1234',
      ...ranges.map((r, i) => `lock:\t${i + 1}: OFDLCK ADVISORY  READ -1 fe:00:1234 ${r}`),
    ].join('\n');

  it('reads every lock range and finds byte 101 (the write permission) in them', () => {
    expect(fdinfoLocks(fdinfo('100 101', '203 203'))).toEqual([
      { start: 100, end: 101 },
      { start: 203, end: 203 },
    ]);
    expect(holdsWritePermission(fdinfo('100 103', '201 201'))).toBe(true);
    expect(holdsWritePermission(fdinfo('100 100', '201 203'))).toBe(false);
    expect(holdsWritePermission(fdinfo())).toBe(false);
    expect(holdsWritePermission(fdinfo('0 EOF'))).toBe(true);
  });
});
