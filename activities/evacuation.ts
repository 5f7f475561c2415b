// Evacuation activities, run by the orchestrator as local activities: marking the host, the slot
// asks of migrations started ahead (sim/slot-grant.ts), and the scheduling rounds that handed out
// slots before them (sim/evacuation.ts, for histories from before `evacuation-queued-migrations`).
import type { RoundRequest, RoundResult, SlotGrant, SlotRequest } from '../domain/evacuation-round';
import { migrationWorkflowId, vmUuid } from '../domain/ids';
import type { Evacuations, Inventory } from '../domain/toolstack';
import type { SlotReleases } from './slot-releases';

/** How often a waiting migration asks again when no release in this process woke it. */
const SLOT_POLL_MS = 200;

export type EvacuationStart = { ok: true; vms: string[] } | { ok: false; message: string };

export function createEvacuationActivities(pool: Evacuations & Inventory, releases: SlotReleases) {
  return {
    /**
     * Marks the host as being evacuated and lists its VMs, largest first: the longest migrations
     * start first, which shortens the evacuation, and big VMs are placed while memory is freest.
     */
    async beginEvacuation(a: { host: string; workflowId: string }): Promise<EvacuationStart> {
      const snapshot = pool.snapshot();
      if (!snapshot.hosts.some((h) => h.name === a.host))
        return {
          ok: false,
          message: `unknown host "${a.host}" (known: ${snapshot.hosts.map((h) => h.name).join(', ')})`,
        };
      const marked = pool.beginEvacuation(a.host, a.workflowId);
      if (!marked.ok) return { ok: false, message: `host "${a.host}" is already being evacuated by ${marked.heldBy}` };
      const vms = snapshot.vms
        .filter((v) => v.residentOn === a.host)
        .sort((x, y) => y.memoryMiB - x.memoryMiB || x.name.localeCompare(y.name))
        .map((v) => v.name);
      return { ok: true, vms };
    },
    /**
     * Each VM's migration workflow id and disk count (null: the pool has no such VM). Their asks are
     * put on record in this order at once, so the order holds from the first slot on, whichever
     * migration happens to ask first.
     */
    async evacuationChildren(a: {
      evacuationId: string;
      vms: string[];
    }): Promise<({ workflowId: string; disks: number } | null)[]> {
      const snapshot = pool.snapshot();
      const children = a.vms.map((name) => {
        const vm = snapshot.vms.find((v) => v.name === name);
        if (!vm) return null;
        const disks = vm.vbds.filter((v) => !v.empty).length;
        return { workflowId: migrationWorkflowId(vmUuid(snapshot.name, name)), disks };
      });
      pool.recordAsks(
        a.evacuationId,
        children.flatMap((c, rank) => (c ? [{ workflowId: c.workflowId, vm: a.vms[rank]!, rank }] : [])),
      );
      return children;
    },
    async evacuationRound(a: {
      evacuationId: string;
      release: string[];
      request: RoundRequest | null;
    }): Promise<RoundResult> {
      return pool.scheduleRound({ ...a, childId: migrationWorkflowId });
    },
    async endEvacuation(a: { host: string; workflowId: string }): Promise<void> {
      pool.endEvacuation(a.host, a.workflowId);
      releases.released();
    },
    /**
     * A queued migration waits here for its slot, at most `waitMs`: then it answers `wait` and the
     * workflow asks again after a workflow task, so queries and updates are not held off longer.
     */
    async awaitSlot(a: SlotRequest & { waitMs: number }): Promise<SlotGrant> {
      const { waitMs, ...request } = a;
      const deadline = Date.now() + waitMs;
      pool.askSlot(request);
      for (;;) {
        const grant = pool.grantSlot(request);
        const left = deadline - Date.now();
        if (grant.kind !== 'wait' || left <= 0) return grant;
        await releases.next(Math.min(SLOT_POLL_MS, left));
      }
    },
    /** Slots of migrations that ended without their end marker (failed before it). */
    async releaseSlots(workflowIds: string[]): Promise<void> {
      for (const id of workflowIds) pool.releaseSlot(id);
      releases.released();
    },
    async abortEvacuation(a: { workflowId: string; reason: string }): Promise<void> {
      pool.abortEvacuation(a.workflowId, a.reason);
      releases.released();
    },
  };
}
export type EvacuationActivities = ReturnType<typeof createEvacuationActivities>;
