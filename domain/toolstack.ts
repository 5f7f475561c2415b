// The Toolstack port: what activities need from a pool. The simulated pool (sim/) is the embedded
// default; a XAPI adapter would implement the same interfaces.
import type { AtomCall, AtomResult } from './atoms';
import type { SimEvent } from './events';
import type { RoundRequest, RoundResult, SlotGrant, SlotRequest } from './evacuation-round';
import type { PoolSnapshot } from './pool';

export interface AtomContext {
  /** Aborts when the caller gave up (cancellation, timeout): the atom then takes no effect. */
  signal?: AbortSignal;
  /** Called during long atoms so a dead host is told apart from a slow one. */
  heartbeat?: () => void;
}

/** Host-local operations: one call per atom. */
export interface Toolstack {
  run(call: AtomCall, ctx: AtomContext): Promise<AtomResult>;
}

/** Pool-level queries, served by the orchestrator. */
export interface Inventory {
  snapshot(): PoolSnapshot;
  runningOn(vmUuid: string): string[];
  events(migrationId: string): SimEvent[];
  appendEvent(e: {
    host: string;
    op: string;
    vmUuid: string;
    migrationId: string;
    startMs: number;
    endMs: number;
    detail?: string;
  }): void;
  attachments(vmUuid: string): { host: string; device: string; vdi: string; active: number }[];
}

/** Where each host's agent listens (agent/): registered by the host process, read by callers. */
export interface AgentRegistry {
  registerAgent(host: string, url: string, pid: number): void;
  agentUrl(host: string): string | undefined;
}

/**
 * The point of no return of a migration whose downtime runs directly, decided in one place that
 * every orchestrator process shares: an abort is accepted only until the runner commits to the
 * destination unpause, and the runner commits only if no abort came first.
 */
export interface MigrationControl {
  requestAbort(migrationId: string, reason: string): 'accepted' | 'too-late';
  /** Before dispatching the point-of-no-return atom: null when committed, else the abort's reason. */
  commit(migrationId: string): string | null;
  /** The reason of an accepted abort, or null. */
  abortRequested(migrationId: string): string | null;
}

/** Evacuations in the pool state (sim/evacuation.ts): the host marks and the migration slots. */
export interface Evacuations {
  beginEvacuation(host: string, workflowId: string): { ok: true } | { ok: false; heldBy: string };
  endEvacuation(host: string, workflowId: string): void;
  /** Frees the `release` slots, then starts what `request` allows, in one transaction. */
  scheduleRound(round: {
    evacuationId: string;
    release: readonly string[];
    request: RoundRequest | null;
    childId: (vmUuid: string) => string;
  }): RoundResult;
  /** Records a queued migration's ask, which orders it among its evacuation's waiting ones. */
  askSlot(request: SlotRequest): void;
  /** Puts an evacuation's order on record before its migrations ask. */
  recordAsks(evacuationId: string, asks: readonly { workflowId: string; vm: string; rank: number }[]): void;
  /** A slot and destination for a queued migration, taken in one transaction (sim/slot-grant.ts). */
  grantSlot(request: SlotRequest): SlotGrant;
  /** Frees a migration's slot (none held: nothing happens). */
  releaseSlot(workflowId: string): void;
  /** Queued migrations of an aborted evacuation are refused their slots. */
  abortEvacuation(workflowId: string, reason: string): void;
}
