// The latency model of the simulated pool, in milliseconds at timeScale 1. Pure: the simulated
// hosts sleep these times and `liveshift plan` predicts downtime from the same numbers.
//
// Reasoning behind the defaults (docs/design.md §1, §5):
// - SMAPIv3 attach is the expensive step (~1 s and more: the volume plugin maps the volume and
//   starts its datapath); SMAPIv1 attach "takes several hundred milliseconds".
// - activate/deactivate run inside the downtime window, so storage managers keep them to tens of ms.
// - detach runs outside downtime and may be slow.
// - VIF plug costs ~300 ms each (why upstream moved it out of downtime).
// - Memory: pre-copy rounds at network.migrationMiBps against the VM's dirty rate; the final
//   round, inside downtime, copies what was dirtied during the last pre-copy round.
import { ATOM_TRAITS, type StorageOp } from './atom-traits';
import type { AtomCall } from './atoms';
import type { Pool } from './pool';
import { compareVersions } from './versions';

/** Storage operations by SM class; the cost of host operations is in the atom table (atom-traits.ts). */
export const STORAGE_LATENCY_MS: Record<'smapiv3' | 'smapiv1', Record<StorageOp, number>> = {
  smapiv3: { attach: 1200, activate: 60, deactivate: 40, detach: 300 },
  smapiv1: { attach: 350, activate: 30, deactivate: 30, detach: 200 },
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

/**
 * MiB a memory atom sends as modelled: every pre-copy round for `VM_precopy`, the last dirty set for
 * `VM_memory_final`; 0 for any other atom. The hosts report no byte counts, so progress shows these.
 */
export function atomMemoryMiB(call: AtomCall): number {
  const cost = ATOM_TRAITS[call.atom].cost;
  const m = call.memory;
  if (!('memory' in cost) || !m) return 0;
  const model = memoryModel(m.memoryMiB, m.dirtyRateMiBps, m.migrationMiBps);
  return cost.memory === 'precopy' ? (model.precopyMs / 1000) * m.migrationMiBps : model.finalMiB;
}

/** Modelled duration of one atom at timeScale 1 (multiply by pool.timeScale to sleep). */
export function atomLatencyMs(pool: Pool, call: AtomCall): number {
  const cost = ATOM_TRAITS[call.atom].cost;
  if ('storage' in cost) return call.vbd ? storageLatencyMs(pool, call.vbd.srType, cost.storage) : 0;
  if ('memory' in cost) {
    const m = call.memory;
    if (!m) return 0;
    const model = memoryModel(m.memoryMiB, m.dirtyRateMiBps, m.migrationMiBps);
    return cost.memory === 'precopy' ? model.precopyMs : model.finalMs;
  }
  const override = pool.latencyMs[call.atom];
  return typeof override === 'number' ? override : cost.hostMs;
}
