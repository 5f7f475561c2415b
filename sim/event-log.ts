// The simulated hypervisors' append-only event log: every atom's own start and end, written in
// the same transaction as its effect, and the markers the orchestrator adds.
import { simEventSchema, type SimEvent } from '../domain/events';
import { stmt, type Db } from './db';

export interface EventRow {
  host: string;
  op: string;
  vmUuid: string;
  domId?: string;
  device?: string;
  vdi?: string;
  mode?: 'RW' | 'RO';
  migrationId?: string;
  startMs: number;
  endMs: number;
  detail?: string;
  phase?: string;
}

export function appendEvent(db: Db, e: EventRow): void {
  stmt(
    db,
    'INSERT INTO events (host, op, vm_uuid, dom_id, device, vdi, mode, migration_id, start_ms, end_ms, detail, phase) ' +
      'VALUES (?,?,?,?,?,?,?,?,?,?,?,?)',
  ).run(
    e.host,
    e.op,
    e.vmUuid,
    e.domId ?? null,
    e.device ?? null,
    e.vdi ?? null,
    e.mode ?? null,
    e.migrationId ?? null,
    e.startMs,
    e.endMs,
    e.detail ?? null,
    e.phase ?? null,
  );
}

/** The whole log, or one migration's events, in log order. */
export function readEvents(db: Db, migrationId?: string): SimEvent[] {
  const rows =
    migrationId === undefined
      ? stmt(db, 'SELECT * FROM events ORDER BY seq').all()
      : stmt(db, 'SELECT * FROM events WHERE migration_id = ? ORDER BY seq').all(migrationId);
  return (rows as Record<string, unknown>[]).map((r) =>
    simEventSchema.parse({
      seq: r.seq,
      host: r.host,
      op: r.op,
      vmUuid: r.vm_uuid,
      domId: r.dom_id,
      device: r.device,
      vdi: r.vdi,
      mode: r.mode,
      migrationId: r.migration_id,
      startMs: r.start_ms,
      endMs: r.end_ms,
      detail: r.detail,
      phase: r.phase,
    }),
  );
}
