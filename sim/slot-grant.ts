// Slots handed to queued migrations: an evacuation starts its next migrations before slots are
// free, and each asks here for a slot and a destination. Placement therefore happens when a slot
// frees, against the pool as it is then, and no workflow task of the evacuation stands between
// one migration's end and the next one's start. The waiting asks of an evacuation are kept in
// `slot_asks`, so the grant runs the same round as before over all of them, in the evacuation's
// order: a VM is granted a slot only where the round would start it.
import { heldStart, planRound, type SlotGrant, type SlotRequest } from '../domain/evacuation-round';
import type { Pool } from '../domain/pool';
import { evacuatingHosts, slots } from './evacuation';
import { nowMs, stmt, type Db } from './db';

/** An ask not renewed for this long is taken for a migration that went away (terminated while waiting). */
const STALE_ASK_MS = 15_000;

interface Precheck {
  marked: number;
  abortReason: string | null;
  fromSource: number;
  inPool: number;
}

/** Records (or renews) the migration's ask; its rank orders it among the evacuation's waiting ones. */
export function registerAsk(db: Db, r: Pick<SlotRequest, 'workflowId' | 'evacuationId' | 'vm' | 'rank'>): void {
  stmt(db, 'INSERT OR REPLACE INTO slot_asks VALUES (?, ?, ?, ?, ?)').run(
    r.workflowId,
    r.evacuationId,
    r.vm,
    r.rank,
    nowMs(),
  );
}

/** An evacuation's order, put on record before its migrations start: they ask in whatever order they run. */
export function recordAsks(db: Db, evacuationId: string, asks: readonly OrderedAsk[]): void {
  db.transaction(() => {
    for (const a of asks) registerAsk(db, { ...a, evacuationId });
  }).immediate();
}

export interface OrderedAsk {
  workflowId: string;
  vm: string;
  rank: number;
}

/**
 * A read without the write lock: waiting migrations ask often, the hosts write their events
 * meanwhile, and most asks find the source's or the pool's cap still full — for every VM of the
 * evacuation alike, so no later one can pass this one meanwhile.
 */
function mayGrant(db: Db, r: SlotRequest): boolean {
  const p = stmt(
    db,
    `SELECT (SELECT count(*) FROM evacuations WHERE workflow_id = @evacuation) AS marked,
            (SELECT abort_reason FROM evacuations WHERE workflow_id = @evacuation) AS abortReason,
            (SELECT count(*) FROM migration_slots WHERE source = @source AND workflow_id != @workflow) AS fromSource,
            (SELECT count(*) FROM migration_slots WHERE workflow_id != @workflow) AS inPool`,
  ).get({ evacuation: r.evacuationId, source: r.source, workflow: r.workflowId }) as Precheck;
  if (p.marked === 0 || p.abortReason !== null) return true;
  return p.fromSource < r.caps.perSource && p.inPool < r.caps.pool;
}

/** A slot and a destination for the migration, or why it waits or never starts. Idempotent per workflow id. */
export function grantSlot(db: Db, snapshot: () => Pool, r: SlotRequest): SlotGrant {
  if (!mayGrant(db, r)) return { kind: 'wait' };
  return db.transaction((): SlotGrant => decide(db, snapshot, r)).immediate();
}

function decide(db: Db, snapshot: () => Pool, r: SlotRequest): SlotGrant {
  const evacuation = stmt(db, 'SELECT abort_reason AS reason FROM evacuations WHERE workflow_id = ?').get(
    r.evacuationId,
  ) as { reason: string | null } | undefined;
  if (evacuation === undefined) return settle(db, r, { kind: 'refused', reason: `${r.evacuationId} has ended` });
  // A retried ask (its answer lost with a workflow task) keeps the slot it holds, destination and
  // all, even past an abort: the migration's first atom may already have run there.
  const held = heldSlot(db, snapshot, r);
  if (held) return settle(db, r, held);
  if (evacuation.reason !== null)
    return settle(db, r, { kind: 'refused', reason: `evacuation aborted: ${evacuation.reason}` });
  registerAsk(db, r);
  stmt(db, 'DELETE FROM slot_asks WHERE evacuation_id = ? AND asked_ms < ?').run(
    r.evacuationId,
    nowMs() - STALE_ASK_MS,
  );
  const waiting = stmt(db, 'SELECT vm FROM slot_asks WHERE evacuation_id = ? ORDER BY rank')
    .pluck()
    .all(r.evacuationId);
  const view = { pool: snapshot(), evacuating: evacuatingHosts(db), slots: slots(db) };
  const round = planRound(view, { source: r.source, plan: r.plan, caps: r.caps, pending: waiting as string[] });
  const unplaceable = round.unplaceable.find((u) => u.vm === r.vm);
  if (unplaceable) return settle(db, r, { kind: 'refused', reason: unplaceable.reason });
  const s = round.start.find((x) => x.vm === r.vm);
  if (!s) return { kind: 'wait' };
  stmt(db, 'INSERT INTO migration_slots VALUES (?, ?, ?, ?, ?, ?, ?)').run(
    r.workflowId,
    r.evacuationId,
    s.vmUuid,
    r.source,
    s.to,
    s.memoryMiB,
    nowMs(),
  );
  return settle(db, r, { kind: 'granted', start: s, evacuating: [...view.evacuating] });
}

/**
 * The slot was granted before any evacuation of its destination began (a round never places on a
 * host being evacuated), so that one does not refuse the migration it already started.
 */
function heldSlot(db: Db, snapshot: () => Pool, r: SlotRequest): SlotGrant | undefined {
  const to = stmt(db, 'SELECT destination FROM migration_slots WHERE workflow_id = ?').pluck().get(r.workflowId) as
    string | undefined;
  const start = to === undefined ? undefined : heldStart(snapshot(), r.vm, to, r.plan);
  return start && { kind: 'granted', start, evacuating: evacuatingHosts(db).filter((h) => h !== to) };
}

/** The ask is answered for good: it no longer holds a place in the order. */
function settle(db: Db, r: SlotRequest, grant: SlotGrant): SlotGrant {
  stmt(db, 'DELETE FROM slot_asks WHERE workflow_id = ?').run(r.workflowId);
  return grant;
}

/** Records the evacuation's abort: its migrations still waiting are refused their slots from now on. */
export function abortEvacuation(db: Db, workflowId: string, reason: string): void {
  stmt(db, 'UPDATE evacuations SET abort_reason = ? WHERE workflow_id = ?').run(reason, workflowId);
}
