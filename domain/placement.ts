// Where an evacuated VM goes, and which VMs may start now: pure functions of a pool view, so the
// decision is the same wherever it is made and is tested without a pool. The evacuation applies
// them inside one transaction of the pool state (sim/evacuation.ts), where every evacuation's
// migrations in flight are visible.
import { canAttachEarly } from './early-attach';
import { hostBackend, srReachable, type Pool, type Vm } from './pool';
import type { PlanKind } from './request';

/** A migration holding a slot: counted against the caps and against its destination's memory. */
export interface Slot {
  source: string;
  destination: string;
  memoryMiB: number;
}

export interface PlacementView {
  /** VMs at their live residence. */
  pool: Pool;
  /** Hosts being evacuated: never a destination. */
  evacuating: readonly string[];
  slots: readonly Slot[];
}

export interface Candidate {
  host: string;
  earlyDisks: number;
  /** null: the host sets no memory limit. */
  freeMiB: number | null;
  /** VMs on the host now plus migrations heading there: spreads ties over the pool. */
  load: number;
}

export type Ranking = { ok: true; candidates: Candidate[] } | { ok: false; reason: string };

/** Memory left for VMs on a host: its limit minus residents minus migrations heading there. */
export function freeMemory(view: PlacementView, host: string): number | null {
  const limit = view.pool.hosts.find((h) => h.name === host)?.memoryMiB;
  if (limit === undefined) return null;
  const resident = view.pool.vms.filter((v) => v.residentOn === host).reduce((sum, v) => sum + v.memoryMiB, 0);
  const incoming = view.slots.filter((s) => s.destination === host).reduce((sum, s) => sum + s.memoryMiB, 0);
  return limit - resident - incoming;
}

/** Why a host cannot take the VM, or null when it can. */
function refusal(view: PlacementView, vm: Vm, host: string): string | null {
  if (host === vm.residentOn) return null;
  if (view.evacuating.includes(host)) return `${host} is being evacuated`;
  const [from, to] = [hostBackend(view.pool, vm.residentOn), hostBackend(view.pool, host)];
  if (from !== to) return `${host} is a ${to} host, the VM runs on ${from}`;
  for (const vbd of vm.vbds) {
    const sr = view.pool.srs.find((s) => s.name === vbd.sr);
    if (sr && !srReachable(sr, host)) return `${host} cannot reach SR ${sr.name} (${vbd.device})`;
  }
  const free = freeMemory(view, host);
  if (free !== null && free < vm.memoryMiB) return `${host} has ${free} MiB free, ${vm.memoryMiB} needed`;
  return null;
}

export const earlyDisks = (pool: Pool, vm: Vm, host: string, plan: PlanKind): number =>
  plan === 'legacy' ? 0 : vm.vbds.filter((vbd) => canAttachEarly(pool, vbd, host).early).length;

const load = (view: PlacementView, host: string) =>
  view.pool.vms.filter((v) => v.residentOn === host).length + view.slots.filter((s) => s.destination === host).length;

/**
 * Every host that can take the VM, best first: most early-attachable disks (least downtime),
 * then most free memory, then least loaded, then name. Not ok, with every host's reason, when none can.
 */
export function rankDestinations(view: PlacementView, vm: Vm, plan: PlanKind): Ranking {
  const others = view.pool.hosts.map((h) => h.name).filter((h) => h !== vm.residentOn);
  const reasons = others.map((host) => ({ host, why: refusal(view, vm, host) }));
  const candidates = reasons
    .filter((r) => r.why === null)
    .map(({ host }) => ({
      host,
      earlyDisks: earlyDisks(view.pool, vm, host, plan),
      freeMiB: freeMemory(view, host),
      load: load(view, host),
    }))
    .sort(
      (a, b) =>
        b.earlyDisks - a.earlyDisks ||
        (b.freeMiB ?? Infinity) - (a.freeMiB ?? Infinity) ||
        a.load - b.load ||
        a.host.localeCompare(b.host),
    );
  if (candidates.length > 0) return { ok: true, candidates };
  const why = reasons.map((r) => r.why).join('; ');
  return { ok: false, reason: `no destination can take it: ${why || 'the pool has no other host'}` };
}
