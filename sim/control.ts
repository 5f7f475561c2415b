// Two small pool-wide records in the state file: where each host's agent listens, and each
// migration's point of no return. Both are decided inside IMMEDIATE transactions, so an abort and
// the runner's commit to the destination unpause can never both win.
import { nowMs, stmt, type Db } from './db';

export function registerAgent(db: Db, host: string, url: string, pid: number): void {
  stmt(
    db,
    `INSERT INTO host_agents VALUES (?, ?, ?, ?)
       ON CONFLICT (host) DO UPDATE SET url = excluded.url, pid = excluded.pid, started_ms = excluded.started_ms`,
  ).run(host, url, pid, nowMs());
}

export function agentUrl(db: Db, host: string): string | undefined {
  return stmt(db, 'SELECT url FROM host_agents WHERE host = ?').pluck().get(host) as string | undefined;
}

interface ControlRow {
  abort_reason: string | null;
  committed_ms: number | null;
}

const row = (db: Db, migrationId: string): ControlRow | undefined =>
  stmt(db, 'SELECT abort_reason, committed_ms FROM migration_control WHERE migration_id = ?').get(migrationId) as
    ControlRow | undefined;

export function requestAbort(db: Db, migrationId: string, reason: string): 'accepted' | 'too-late' {
  return db
    .transaction((): 'accepted' | 'too-late' => {
      const current = row(db, migrationId);
      if (current?.committed_ms != null) return 'too-late';
      if (current?.abort_reason != null) return 'accepted';
      stmt(
        db,
        `INSERT INTO migration_control (migration_id, abort_reason) VALUES (?, ?)
           ON CONFLICT (migration_id) DO UPDATE SET abort_reason = excluded.abort_reason`,
      ).run(migrationId, reason);
      return 'accepted';
    })
    .immediate();
}

/** Null once committed (also on a repeated commit); the abort's reason when an abort came first. */
export function commit(db: Db, migrationId: string): string | null {
  return db
    .transaction((): string | null => {
      const current = row(db, migrationId);
      if (current?.abort_reason != null) return current.abort_reason;
      if (current?.committed_ms != null) return null;
      stmt(
        db,
        `INSERT INTO migration_control (migration_id, committed_ms) VALUES (?, ?)
           ON CONFLICT (migration_id) DO UPDATE SET committed_ms = excluded.committed_ms`,
      ).run(migrationId, nowMs());
      return null;
    })
    .immediate();
}

export function abortRequested(db: Db, migrationId: string): string | null {
  return row(db, migrationId)?.abort_reason ?? null;
}
