// The simulated pool's SQLite file: one schema, shared by every host-worker process (WAL mode, so
// readers never block the writer; writers serialise on BEGIN IMMEDIATE).
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Version 2 added `faults.at` (a fault may fire before or after its atom takes effect) and
 * `events.phase`; version 3 the host agents' addresses and the migrations' point of no return;
 * version 4 the hosts being evacuated and the evacuations' migration slots; version 5 an evacuation's
 * abort and its migrations waiting for a slot, in their order.
 */
export const SCHEMA_VERSION = 5;

const V3_TABLES = `
CREATE TABLE IF NOT EXISTS host_agents (
  host TEXT PRIMARY KEY, url TEXT NOT NULL, pid INTEGER NOT NULL, started_ms REAL NOT NULL);
CREATE TABLE IF NOT EXISTS migration_control (
  migration_id TEXT PRIMARY KEY, abort_reason TEXT, committed_ms REAL,
  CHECK (abort_reason IS NULL OR committed_ms IS NULL));
`;

const V4_TABLES = `
CREATE TABLE IF NOT EXISTS evacuations (
  host TEXT PRIMARY KEY, workflow_id TEXT NOT NULL, started_ms REAL NOT NULL);
CREATE TABLE IF NOT EXISTS migration_slots (
  workflow_id TEXT PRIMARY KEY, evacuation_id TEXT NOT NULL, vm_uuid TEXT NOT NULL,
  source TEXT NOT NULL, destination TEXT NOT NULL, memory_mib INTEGER NOT NULL, reserved_ms REAL NOT NULL);
`;

const V5_COLUMNS = `
ALTER TABLE evacuations ADD COLUMN abort_reason TEXT;
CREATE TABLE IF NOT EXISTS slot_asks (
  workflow_id TEXT PRIMARY KEY, evacuation_id TEXT NOT NULL, vm TEXT NOT NULL, rank INTEGER NOT NULL,
  asked_ms REAL NOT NULL);
`;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS domains (
  host TEXT NOT NULL, dom_id TEXT NOT NULL, vm_uuid TEXT NOT NULL, vm_name TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('created', 'running', 'suspended')),
  PRIMARY KEY (host, dom_id));
CREATE TABLE IF NOT EXISTS vdi_attachments (
  host TEXT NOT NULL, vdi TEXT NOT NULL, vm_uuid TEXT NOT NULL, device TEXT NOT NULL,
  mode TEXT NOT NULL CHECK (mode IN ('RW', 'RO')), active INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (host, vdi, vm_uuid));
CREATE TABLE IF NOT EXISTS vm_extra (
  host TEXT NOT NULL, dom_id TEXT NOT NULL, record TEXT NOT NULL, PRIMARY KEY (host, dom_id));
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, host TEXT NOT NULL, op TEXT NOT NULL, vm_uuid TEXT NOT NULL,
  dom_id TEXT, device TEXT, vdi TEXT, mode TEXT, migration_id TEXT,
  start_ms REAL NOT NULL, end_ms REAL NOT NULL, detail TEXT, phase TEXT);
CREATE INDEX IF NOT EXISTS events_by_migration ON events (migration_id, seq);
CREATE TABLE IF NOT EXISTS faults (
  id INTEGER PRIMARY KEY AUTOINCREMENT, atom TEXT NOT NULL, host TEXT, vm TEXT, device TEXT,
  effect TEXT NOT NULL, times INTEGER NOT NULL, fired INTEGER NOT NULL DEFAULT 0,
  at TEXT NOT NULL DEFAULT 'before' CHECK (at IN ('before', 'after')));
${V3_TABLES}${V4_TABLES}${V5_COLUMNS}`;

/** Explicit upgrades of older state files, one step per version; a newer file is refused. */
const UPGRADES: Record<number, string> = {
  1: `ALTER TABLE faults ADD COLUMN at TEXT NOT NULL DEFAULT 'before' CHECK (at IN ('before', 'after'));
      ALTER TABLE events ADD COLUMN phase TEXT;`,
  2: V3_TABLES,
  3: V4_TABLES,
  4: V5_COLUMNS,
};

export type Db = Database.Database;

const compiled = new WeakMap<Db, Map<string, Database.Statement>>();

/**
 * A prepared statement, compiled once per connection: every atom runs the same few statements,
 * and compiling them again each time costs more than running them. Statements come back in their
 * default mode (callers that want one value ask for `.pluck()` each time).
 */
export function stmt(db: Db, source: string): Database.Statement {
  let cache = compiled.get(db);
  if (!cache) compiled.set(db, (cache = new Map<string, Database.Statement>()));
  let s = cache.get(source);
  if (!s) cache.set(source, (s = db.prepare(source)));
  return s.reader ? s.pluck(false) : s;
}

export function openDb(file: string): Db {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 10000');
  db.pragma('synchronous = NORMAL');
  db.transaction(() => migrate(db, file)).immediate();
  return db;
}

function migrate(db: Db, file: string): void {
  const fresh = db.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'meta'`).get() === undefined;
  if (fresh) {
    db.exec(SCHEMA);
    db.prepare(`INSERT INTO meta VALUES ('schema_version', ?)`).run(String(SCHEMA_VERSION));
    return;
  }
  let version = Number(db.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).pluck().get());
  if (!(version >= 1 && version <= SCHEMA_VERSION))
    throw new Error(
      `state file ${file} has schema version ${version}; this liveshift reads versions 1 to ${SCHEMA_VERSION}`,
    );
  for (; version < SCHEMA_VERSION; version++) db.exec(UPGRADES[version] ?? '');
  db.prepare(`UPDATE meta SET value = ? WHERE key = 'schema_version'`).run(String(SCHEMA_VERSION));
}

/** A wall-clock timestamp in ms with sub-ms resolution, comparable across processes. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}
