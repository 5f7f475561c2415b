// Evacuation activities, run by the orchestrator as local activities: marking the host, and the
// scheduling rounds that hand out migration slots (sim/evacuation.ts).
import type { RoundRequest, RoundResult } from '../domain/evacuation-round';
import { migrationWorkflowId } from '../domain/ids';
import type { Evacuations, Inventory } from '../domain/toolstack';

export type EvacuationStart = { ok: true; vms: string[] } | { ok: false; message: string };

export function createEvacuationActivities(pool: Evacuations & Inventory) {
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
    async evacuationRound(a: {
      evacuationId: string;
      release: string[];
      request: RoundRequest | null;
    }): Promise<RoundResult> {
      return pool.scheduleRound({ ...a, childId: migrationWorkflowId });
    },
    async endEvacuation(a: { host: string; workflowId: string }): Promise<void> {
      pool.endEvacuation(a.host, a.workflowId);
    },
  };
}
export type EvacuationActivities = ReturnType<typeof createEvacuationActivities>;
