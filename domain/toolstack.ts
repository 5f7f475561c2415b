// The Toolstack port: what activities need from a pool. The simulated pool (sim/) is the embedded
// default; a XAPI adapter would implement the same two interfaces.
import type { AtomCall, AtomResult } from './atoms';
import type { SimEvent } from './events';
import type { Pool } from './pool';

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
  snapshot(): Pool;
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
