// The Toolstack a host serves, by its backend in the pool file: the simulated hypervisor, or the
// same bookkeeping over real QEMU guests on this machine (qemu/toolstack.ts, docs/qemu.md).
import { hostBackend } from '../domain/pool';
import type { Toolstack } from '../domain/toolstack';
import { QemuToolstack } from '../qemu/toolstack';
import type { SimPool } from '../sim/sim-pool';

export interface HostToolstack extends Toolstack {
  /** Lets go of the hypervisor (QEMU guests run on); the pool state stays open. */
  close(): Promise<void>;
}

export function hostToolstack(sim: SimPool, host: string): HostToolstack {
  if (hostBackend(sim.config(), host) === 'qemu') return new QemuToolstack(sim, host);
  return { run: (call, ctx) => sim.run(call, ctx), close: async () => undefined };
}
