// Evacuations in the pool state: which hosts are being drained (so a second evacuation of one, and
// migrations to one, are refused), and the slots their migrations hold. Slots are handed out by
// the pure round (domain/evacuation-round.ts) inside one IMMEDIATE transaction, so two evacuations
// deciding at once still never exceed a shared cap.
import { planRound, type RoundRequest, type RoundResult } from '../domain/evacuation-round';
import type { Slot } from '../domain/placement';
import type { Pool } from '../domain/pool';
import { nowMs, stmt, type Db } from './db';

export type BeginEvacuation = { ok: true } | { ok: false; heldBy: string };

/** Marks the host; the same workflow (a retry, or after continue-as-new) may mark it again. */
export function beginEvacuation(db: Db, host: string, workflowId: string): BeginEvacuation {
  return db
    .transaction((): BeginEvacuation => {
      const holder = stmt(db, 'SELECT workflow_id FROM evacuations WHERE host = ?').pluck().get(host) as
        string | undefined;
      if (holder !== undefined && holder !== workflowId) return { ok: false, heldBy: holder };
      if (holder === undefined)
        stmt(db, 'INSERT INTO evacuations (host, workflow_id, started_ms) VALUES (?, ?, ?)').run(
          host,
          workflowId,
          nowMs(),
        );
      return { ok: true };
    })
    .immediate();
}

/** Unmarks the host and frees whatever slots the evacuation still held. */
export function endEvacuation(db: Db, host: string, workflowId: string): void {
  db.transaction(() => {
    stmt(db, 'DELETE FROM evacuations WHERE host = ? AND workflow_id = ?').run(host, workflowId);
    stmt(db, 'DELETE FROM migration_slots WHERE evacuation_id = ?').run(workflowId);
    stmt(db, 'DELETE FROM slot_asks WHERE evacuation_id = ?').run(workflowId);
  }).immediate();
}

export function evacuatingHosts(db: Db): string[] {
  return stmt(db, 'SELECT host FROM evacuations ORDER BY host').pluck().all() as string[];
}

export function slots(db: Db): Slot[] {
  return stmt(db, 'SELECT source, destination, memory_mib AS memoryMiB FROM migration_slots').all() as Slot[];
}

export interface Round {
  evacuationId: string;
  /** Slots of migrations that ended, freed first. */
  release: readonly string[];
  /** null: only release. */
  request: RoundRequest | null;
  /** Names each started VM's migration workflow (its slot's key). */
  childId: (vmUuid: string) => string;
}

/** One scheduling round against the live pool: the VMs it starts get their slots in the same transaction. */
export function scheduleRound(db: Db, snapshot: () => Pool, o: Round): RoundResult {
  const { evacuationId, request: req, childId } = o;
  return db
    .transaction((): RoundResult => {
      for (const id of o.release) releaseSlot(db, id);
      if (req === null) return { start: [], unplaceable: [] };
      const round = planRound({ pool: snapshot(), evacuating: evacuatingHosts(db), slots: slots(db) }, req);
      const insert = stmt(db, 'INSERT OR REPLACE INTO migration_slots VALUES (?, ?, ?, ?, ?, ?, ?)');
      for (const s of round.start)
        insert.run(childId(s.vmUuid), evacuationId, s.vmUuid, req.source, s.to, s.memoryMiB, nowMs());
      return round;
    })
    .immediate();
}

export function releaseSlot(db: Db, workflowId: string): void {
  stmt(db, 'DELETE FROM migration_slots WHERE workflow_id = ?').run(workflowId);
  stmt(db, 'DELETE FROM slot_asks WHERE workflow_id = ?').run(workflowId);
}
