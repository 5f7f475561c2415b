// The end-to-end QEMU tests' common set-up: a pool of two qemu hosts with one counting guest, its
// stack (host processes on the suite's Temporal server) started with the guest already counting,
// and everything — stack, guests, state — torn down after.
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { vmUuid } from '../../domain/ids';
import type { PoolInput } from '../../domain/pool';
import { killQemuGuests } from '../../qemu/boot';
import { vmDir } from '../../qemu/layout';
import { scratchState, startStack, type Stack } from '../../workers/stack';
import { testTarget } from '../helpers/server';
import { Harness, waitForCounter } from './harness';

/** Two qemu hosts, one SMAPIv3 SR, and `vm` (128 MiB, one RW disk `xvda` on it) on host-a. */
export function oneGuestPool(name: string, vm: string): PoolInput {
  return {
    name,
    hosts: ['host-a', 'host-b'].map((host) => ({ name: host, backend: 'qemu' as const })),
    sms: [{ type: 'zfs-vol', requiredApiVersion: '3.0' }],
    srs: [{ name: 'v3', type: 'zfs-vol', shared: true }],
    vms: [{ name: vm, residentOn: 'host-a', memoryMiB: 128, vbds: [{ device: 'xvda', sr: 'v3', mode: 'RW' }] }],
  };
}

export interface QemuStack {
  h: Harness;
  stateFile: string;
  stack: Stack;
}

/** Starts the stack of `pool` and waits until its first VM's guest counts on its host. */
export async function startQemuStack(pool: PoolInput): Promise<QemuStack> {
  const s: Partial<QemuStack> = { h: new Harness() }; // QEMU, the guest image and qemu-img
  try {
    s.stateFile = scratchState(pool);
    s.stack = await startStack({ ...testTarget(), stateFile: s.stateFile, hostProcesses: true });
    const vm = pool.vms?.[0];
    if (!vm) throw new Error(`pool ${pool.name} has no VM`);
    await waitForCounter([vmDir(s.stateFile, vm.residentOn, vmUuid(pool.name, vm.name))], 3, 60_000);
    return s as QemuStack;
  } catch (err) {
    await stopQemuStack(s);
    throw err;
  }
}

/** Stops the stack, kills whatever guests a failed case left running, and removes the state. */
export async function stopQemuStack(s: Partial<QemuStack>): Promise<void> {
  await s.stack?.stop();
  if (s.stateFile) {
    await killQemuGuests(s.stateFile);
    rmSync(dirname(s.stateFile), { recursive: true, force: true });
  }
  await s.h?.dispose();
}
