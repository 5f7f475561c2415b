// One scheduling round of an evacuation: which pending VMs start now, and where, within the caps.
// Pure; sim/evacuation.ts runs it inside the transaction that records the slots it hands out.
import { vmUuid } from './ids';
import { earlyDisks, rankDestinations, type Candidate, type PlacementView, type Slot } from './placement';
import type { Pool, Vm } from './pool';
import type { PlanKind } from './request';

export interface Caps {
  perSource: number;
  perDestination: number;
  pool: number;
}

export interface RoundRequest {
  source: string;
  plan: PlanKind;
  caps: Caps;
  /** VM names in the order they should start. */
  pending: readonly string[];
}

export interface Start {
  vm: string;
  vmUuid: string;
  to: string;
  memoryMiB: number;
  earlyDisks: number;
  disks: number;
}

export interface RoundResult {
  start: Start[];
  /** VMs that will never start from this evacuation, with the reason. */
  unplaceable: { vm: string; reason: string }[];
}

/** A queued migration asking for its slot: the destination is chosen when one frees (sim/slot-grant.ts). */
export interface SlotRequest {
  evacuationId: string;
  /** The migration's workflow id: the key of the slot it holds. */
  workflowId: string;
  vm: string;
  /** Its place in the evacuation's order: of the VMs waiting at once, the first placeable goes first. */
  rank: number;
  source: string;
  plan: PlanKind;
  caps: Caps;
}

/** `wait`: no slot free for it now; `refused`: it will never get one (unplaceable, or the evacuation aborted). */
export type SlotGrant =
  /** `evacuating`: the hosts being evacuated when the slot was taken (the migration's snapshot is older). */
  { kind: 'granted'; start: Start; evacuating: string[] } | { kind: 'wait' } | { kind: 'refused'; reason: string };

const count = (slots: readonly Slot[], match: (s: Slot) => boolean) => slots.filter(match).length;

/**
 * Starts VMs in order while the source and pool caps allow. A VM whose best destinations (those
 * with the most early-attachable disks) are all at their cap waits for the next round rather than
 * taking a destination that would pause it longer; the VMs behind it may still start.
 */
export function planRound(view: PlacementView, req: RoundRequest): RoundResult {
  const slots: Slot[] = [...view.slots];
  const result: RoundResult = { start: [], unplaceable: [] };
  for (const name of req.pending) {
    const full = count(slots, (s) => s.source === req.source) >= req.caps.perSource || slots.length >= req.caps.pool;
    if (full) break;
    const vm = view.pool.vms.find((v) => v.name === name);
    if (!vm || vm.residentOn !== req.source) {
      const where = vm ? `it now runs on ${vm.residentOn}` : 'the pool has no such VM';
      result.unplaceable.push({ vm: name, reason: `no longer on ${req.source}: ${where}` });
      continue;
    }
    const ranking = rankDestinations({ ...view, slots }, vm, req.plan);
    if (!ranking.ok) {
      result.unplaceable.push({ vm: name, reason: ranking.reason });
      continue;
    }
    const to = firstWithRoom(ranking.candidates, slots, req.caps.perDestination);
    if (to === undefined) continue;
    slots.push({ source: req.source, destination: to.host, memoryMiB: vm.memoryMiB });
    result.start.push(startOf(view.pool, vm, to.host, to.earlyDisks));
  }
  return result;
}

const startOf = (pool: Pool, vm: Vm, to: string, early: number): Start => ({
  vm: vm.name,
  vmUuid: vmUuid(pool.name, vm.name),
  to,
  memoryMiB: vm.memoryMiB,
  earlyDisks: early,
  disks: vm.vbds.filter((v) => !v.empty).length,
});

/** The start of a VM on the destination of a slot it already holds (a retried ask keeps its slot). */
export function heldStart(pool: Pool, vmName: string, to: string, plan: PlanKind): Start | undefined {
  const vm = pool.vms.find((v) => v.name === vmName);
  return vm && startOf(pool, vm, to, earlyDisks(pool, vm, to, plan));
}

function firstWithRoom(ranked: Candidate[], slots: readonly Slot[], perDestination: number): Candidate | undefined {
  const best = ranked[0]?.earlyDisks ?? 0;
  return ranked
    .filter((c) => c.earlyDisks === best)
    .find((c) => count(slots, (s) => s.destination === c.host) < perDestination);
}
