// The fault matrix: every atom of both plans × every effect, plus an abort in every phase. Cells
// are derived from the planner itself, so a new atom in a plan gets its row automatically.
import { atomsOf, type AtomName, type Phase } from '../../domain/atoms';
import { planMigration } from '../../domain/planner';
import { poolSchema, type PoolInput } from '../../domain/pool';
import type { PlanKind } from '../../domain/request';
import type { MigrationPhase } from '../../workflows/definitions';
import { TWO_SHARED_SRS } from '../../sim/storage-presets';

export const EFFECTS = ['fail', 'hang', 'crash-before', 'crash-after'] as const;
export type Effect = (typeof EFFECTS)[number];
export type Role = 'source' | 'destination';

export interface FaultCell {
  kind: 'fault';
  id: string;
  plan: PlanKind;
  atom: AtomName;
  role: Role;
  phase: Phase;
  device?: string;
  effect: Effect;
}
export interface AbortCell {
  kind: 'abort';
  id: string;
  plan: PlanKind;
  phase: MigrationPhase;
  hold: { atom: AtomName; role: Role };
}
export type Cell = FaultCell | AbortCell;

export const LANES = 2;

/**
 * The two hosts of a lane. Lanes share no host, so a crash or a hang injected in one lane never
 * touches another lane's migration, and each cell shows what its own fault costs.
 */
export const laneHosts = (lane: number): [string, string] => [`host-a${lane}`, `host-b${lane}`];

/** Identical VMs, one per lane, so cells run side by side: two SMAPIv3 disks (one RO) and one SMAPIv1. */
export function matrixPool(name: string): PoolInput {
  return {
    name,
    timeScale: 0.1,
    hosts: Array.from({ length: LANES }, (_, i) => laneHosts(i).map((h) => ({ name: h }))).flat(),
    ...TWO_SHARED_SRS,
    vms: Array.from({ length: LANES }, (_, i) => ({
      name: `lane-${i}`,
      residentOn: laneHosts(i)[0],
      memoryMiB: 256,
      dirtyRateMiBps: 20,
      vifs: 1,
      vbds: [
        { device: 'xvda', sr: 'v3', mode: 'RW' as const },
        { device: 'xvdb', sr: 'v1', mode: 'RW' as const },
        { device: 'xvdc', sr: 'v3', mode: 'RO' as const },
      ],
    })),
  };
}

/** One row per distinct (atom, host role, phase, early/late disk) of a plan; VBD rows target one disk. */
function atomRows(plan: PlanKind): Omit<FaultCell, 'effect' | 'id' | 'kind'>[] {
  const pool = poolSchema.parse(matrixPool('cells'));
  const m = planMigration(pool, { vm: 'lane-0', to: laneHosts(0)[1], plan }, 'cells');
  const rows = new Map<string, Omit<FaultCell, 'effect' | 'id' | 'kind'>>();
  for (const c of atomsOf(m.plan)) {
    const role: Role = c.host === m.from ? 'source' : 'destination';
    const key = `${c.atom}/${role}/${c.phase}`;
    if (!rows.has(key))
      rows.set(key, { plan, atom: c.atom, role, phase: c.phase, ...(c.vbd ? { device: c.vbd.device } : {}) });
  }
  return [...rows.values()];
}

const ABORTS: { phase: MigrationPhase; hold: AbortCell['hold'] }[] = [
  { phase: 'prepare', hold: { atom: 'VIF_plug', role: 'destination' } },
  { phase: 'precopy', hold: { atom: 'VM_precopy', role: 'source' } },
  { phase: 'downtime', hold: { atom: 'VM_rename', role: 'destination' } },
  { phase: 'cleanup', hold: { atom: 'VBD_detach', role: 'source' } },
];

export function matrixCells(): Cell[] {
  const plans: PlanKind[] = ['early-attach', 'legacy'];
  const faults = plans.flatMap((plan) =>
    atomRows(plan).flatMap((row) =>
      EFFECTS.map((effect): Cell => ({
        kind: 'fault',
        id: `${plan} ${row.atom}@${row.role} (${row.phase}) × ${effect}`,
        ...row,
        effect,
      })),
    ),
  );
  const aborts = plans.flatMap((plan) =>
    ABORTS.map((a): Cell => ({ kind: 'abort', id: `${plan} abort in ${a.phase}`, plan, ...a })),
  );
  return [...faults, ...aborts];
}
