// A pool VM as a QEMU command line. Every VBD is a virtio disk at a PCI slot fixed by the VBD's
// place in the pool file: the migration stream names device state by bus address, so both ends
// must agree without talking. Each disk hangs below a throttle node (no limits) whose child is
// the real image on a running guest, or a null-co placeholder of the same size on an incoming one
// until VBD_attach swaps the image in with blockdev-reopen: the device must exist when the
// incoming guest starts (its state arrives in the stream), the image need not. The image is the
// qcow2 file itself on a file SR, or a client of the SR's NBD export of it on an NBD SR.
import { FailureType, LiveshiftError } from '../domain/errors';
import { vdiId } from '../domain/ids';
import { srTransport, type Pool, type Vm } from '../domain/pool';
import type { GuestImage } from './guest-image';
import { ensureGuestImage } from './guest-image';
import { ensureQemu, qemuAccel, type QemuAccel, type QemuInstall } from './install';
import { srDir, storageDaemonPaths, VDI_BYTES, vdiPath } from './layout';
import { nbdNode, qcow2Node, type BlockdevOptions, type DiskSpec, type GuestSpec } from './qemu-process';

/** Slots below this are the machine's own (host bridge, ISA bridge, IDE, ...). */
export const FIRST_DISK_SLOT = 5;
/** The last PCI slot of bus 0. */
const LAST_SLOT = 31;

export interface VmDisk {
  device: string;
  slot: number;
  sr: string;
  vdi: string;
  /** The qcow2 image, opened by each QEMU on a file SR, by the SR's storage daemon alone on an NBD SR. */
  path: string;
  /** On an NBD SR: the storage daemon's socket and the VDI's export (named after the VDI). */
  nbd?: { socket: string; export: string };
}

/** Node, device and group names of one VBD, the same on every host. */
export const names = (device: string) => ({
  slot: `slot-${device}`,
  vdi: `vdi-${device}`,
  placeholder: `ph-${device}`,
  group: `tg-${device}`,
  id: `vbd-${device}`,
});

export function vmOf(pool: Pool, vmName: string): Vm {
  const vm = pool.vms.find((v) => v.name === vmName);
  if (!vm) throw new LiveshiftError(FailureType.BadRequest, `no VM "${vmName}" in pool ${pool.name}`);
  return vm;
}

/** The VM's disks (empty CD drives have no image and get no device). */
export function vmDisks(pool: Pool, stateFile: string, vm: Vm): VmDisk[] {
  return vm.vbds.flatMap((vbd, i) => {
    if (vbd.empty || vbd.sr === undefined) return [];
    const slot = FIRST_DISK_SLOT + i;
    if (slot > LAST_SLOT)
      throw new LiveshiftError(FailureType.BadRequest, `VM "${vm.name}": more VBDs than free PCI slots`);
    const vdi = vdiId(vm.name, vbd.device, vbd.vdi);
    const disk: VmDisk = { device: vbd.device, slot, sr: vbd.sr, vdi, path: vdiPath(stateFile, vbd.sr, vdi) };
    if (srTransport(pool, vbd.sr) === 'nbd')
      disk.nbd = { socket: storageDaemonPaths(srDir(stateFile, vbd.sr)).nbd, export: vdi };
    return [disk];
  });
}

/** The node a guest reads the disk's VDI through: the qcow2 file, or the NBD export of it. */
export const imageNode = (nodeName: string, disk: VmDisk): BlockdevOptions =>
  disk.nbd ? nbdNode(nodeName, disk.nbd.socket, disk.nbd.export) : qcow2Node(nodeName, disk.path);

export function diskOf(disks: VmDisk[], device: string): VmDisk {
  const disk = disks.find((d) => d.device === device);
  if (!disk) throw new LiveshiftError(FailureType.BadRequest, `no disk ${device} in the VM's pool entry`);
  return disk;
}

/** The throttle node of a disk over `file`: inline options, or the name of a node that exists. */
export const throttleNode = (device: string, file: string | Record<string, unknown>) => ({
  driver: 'throttle',
  'node-name': names(device).slot,
  'throttle-group': names(device).group,
  file,
});

function diskSpec(disk: VmDisk, incoming: boolean): DiskSpec {
  const n = names(disk.device);
  const child = incoming
    ? { driver: 'null-co', 'node-name': n.placeholder, size: VDI_BYTES, 'read-zeroes': true }
    : imageNode(n.vdi, disk);
  return { id: n.id, slot: disk.slot, blockdev: throttleNode(disk.device, child) };
}

/** What every guest of this machine shares: binaries, kernel and initramfs, accelerator. */
export interface GuestRuntime {
  install: QemuInstall;
  image: GuestImage;
  accel: QemuAccel;
}

let runtime: GuestRuntime | undefined;
/** Found (or installed and built) on first use, then kept for the process's life. */
export function guestRuntime(): GuestRuntime {
  return (runtime ??= { install: ensureQemu(), image: ensureGuestImage(), accel: qemuAccel() });
}

/** A running guest (`incoming: false`) or a migration's destination (`-S -incoming defer`, placeholders). */
export function vmGuestSpec(rt: GuestRuntime, dir: string, vm: Vm, disks: VmDisk[], incoming: boolean): GuestSpec {
  return {
    dir,
    binary: rt.install.system,
    accel: rt.accel,
    memoryMiB: vm.memoryMiB,
    kernel: rt.image.kernel,
    initrd: rt.image.initrd,
    append: rt.image.append,
    objects: disks.map((d) => ({ 'qom-type': 'throttle-group', id: names(d.device).group })),
    disks: disks.map((d) => diskSpec(d, incoming)),
    incoming,
  };
}
