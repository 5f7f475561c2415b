// The latency model of the simulated pool, in milliseconds at timeScale 1. Pure: the simulated
// hosts sleep these times and `liveshift plan` predicts downtime from the same numbers.
//
// Reasoning behind the defaults (DESIGN §1, §5):
// - SMAPIv3 attach is the expensive step (~1 s and more: the volume plugin maps the volume and
//   starts its datapath); SMAPIv1 attach "takes several hundred milliseconds".
// - activate/deactivate run inside the downtime window, so storage managers keep them to tens of ms.
// - detach runs outside downtime and may be slow.
// - VIF plug costs ~300 ms each (why upstream moved it out of downtime).
// - Memory: pre-copy rounds at network.migrationMiBps against the VM's dirty rate; the final
//   round, inside downtime, copies what was dirtied during the last pre-copy round.
import type { AtomCall, AtomName } from './atoms';
import type { Pool } from './pool';
import { compareVersions } from './versions';

export type StorageOp = 'attach' | 'activate' | 'deactivate' | 'detach';

export const STORAGE_LATENCY_MS: Record<'smapiv3' | 'smapiv1', Record<StorageOp, number>> = {
  smapiv3: { attach: 1200, activate: 60, deactivate: 40, detach: 300 },
  smapiv1: { attach: 350, activate: 30, deactivate: 30, detach: 200 },
};

export const HOST_LATENCY_MS: Partial<Record<AtomName, number>> = {
  VM_create: 150,
  VIF_plug: 300,
  VBD_set_active: 5,
  VM_suspend: 30,
  VM_rename: 5,
  VM_unpause: 20,
  VM_destroy: 250,
};

/** Pre-copy stops when the dirty set is this small, after this many rounds, or when it stops shrinking. */
export const PRECOPY_STOP_MIB = 32;
export const PRECOPY_MAX_ROUNDS = 8;

export interface MemoryModel {
  roundsMs: number[];
  precopyMs: number;
  finalMiB: number;
  finalMs: number;
}

export function memoryModel(memoryMiB: number, dirtyRateMiBps: number, migrationMiBps: number): MemoryModel {
  const roundsMs: number[] = [];
  let toSend = memoryMiB;
  for (let round = 0; round < PRECOPY_MAX_ROUNDS; round++) {
    const ms = (toSend / migrationMiBps) * 1000;
    roundsMs.push(ms);
    const dirtied = Math.min(memoryMiB, (dirtyRateMiBps * ms) / 1000);
    // The dirty set shrinks each round iff pages are dirtied slower than they are sent.
    const converging = dirtyRateMiBps < migrationMiBps;
    toSend = dirtied;
    if (toSend <= PRECOPY_STOP_MIB || !converging) break;
  }
  const precopyMs = roundsMs.reduce((a, b) => a + b, 0);
  return { roundsMs, precopyMs, finalMiB: toSend, finalMs: (toSend / migrationMiBps) * 1000 };
}

function storageClass(pool: Pool, srType: string): 'smapiv3' | 'smapiv1' {
  const sm = pool.sms.find((s) => s.type === srType);
  return sm && compareVersions(sm.requiredApiVersion, '3.0') >= 0 ? 'smapiv3' : 'smapiv1';
}

export function storageLatencyMs(pool: Pool, srType: string, op: StorageOp): number {
  const override = pool.latencyMs[srType];
  return (
    (typeof override === 'object' ? override[op] : undefined) ?? STORAGE_LATENCY_MS[storageClass(pool, srType)][op]
  );
}

const STORAGE_OPS: Partial<Record<AtomCall['atom'], StorageOp>> = {
  VBD_attach: 'attach',
  VBD_activate: 'activate',
  VBD_deactivate: 'deactivate',
  VBD_detach: 'detach',
};

/** Modelled duration of one atom at timeScale 1 (multiply by pool.timeScale to sleep). */
export function atomLatencyMs(pool: Pool, call: AtomCall): number {
  const storageOp = STORAGE_OPS[call.atom];
  if (storageOp) return call.vbd ? storageLatencyMs(pool, call.vbd.srType, storageOp) : 0;
  if (call.atom === 'VM_precopy' || call.atom === 'VM_memory_final') {
    const m = call.memory;
    if (!m) return 0;
    const model = memoryModel(m.memoryMiB, m.dirtyRateMiBps, m.migrationMiBps);
    return call.atom === 'VM_precopy' ? model.precopyMs : model.finalMs;
  }
  const override = pool.latencyMs[call.atom];
  return typeof override === 'number' ? override : (HOST_LATENCY_MS[call.atom] ?? 0);
}
