// The state file is versioned: an older file is upgraded explicitly, a newer one is refused; and a
// fault can fire after its atom took effect, leaving a retry to find the work already done.
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FailureType } from '../../domain/errors';
import { openDb, SCHEMA_VERSION } from '../../sim/db';
import { closeSims, expectFailure, openSim, planned, smallPool } from './fixtures';

afterEach(closeSims);

const V1_FAULTS = `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE faults (id INTEGER PRIMARY KEY AUTOINCREMENT, atom TEXT NOT NULL, host TEXT, vm TEXT, device TEXT,
    effect TEXT NOT NULL, times INTEGER NOT NULL, fired INTEGER NOT NULL DEFAULT 0);
  CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, host TEXT NOT NULL, op TEXT NOT NULL, vm_uuid TEXT NOT NULL,
    dom_id TEXT, device TEXT, vdi TEXT, mode TEXT, migration_id TEXT, start_ms REAL NOT NULL, end_ms REAL NOT NULL, detail TEXT);
  INSERT INTO events (host, op, vm_uuid, start_ms, end_ms) VALUES ('host-a', 'VM_unpause', 'u', 1, 2);
  INSERT INTO meta VALUES ('schema_version', '1');
  INSERT INTO faults (atom, effect, times) VALUES ('VBD_attach', 'fail', 1);`;

const fileWith = (sql: string) => {
  const file = join(mkdtempSync(join(tmpdir(), 'liveshift-upgrade-')), 'pool.db');
  const raw = new Database(file);
  raw.exec(sql);
  raw.close();
  return file;
};

describe('state file versions', () => {
  it('upgrades a version 1 file explicitly, keeping its rows', () => {
    const db = openDb(fileWith(V1_FAULTS));
    expect(db.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).pluck().get()).toBe(
      String(SCHEMA_VERSION),
    );
    expect(db.prepare('SELECT atom, effect, times, at FROM faults').all()).toEqual([
      { atom: 'VBD_attach', effect: 'fail', times: 1, at: 'before' },
    ]);
    expect(db.prepare('SELECT op, phase FROM events').all()).toEqual([{ op: 'VM_unpause', phase: null }]);
    // Version 3's tables exist, empty: no agent registered, no migration committed.
    expect(db.prepare('SELECT COUNT(*) FROM host_agents').pluck().get()).toBe(0);
    expect(db.prepare('SELECT COUNT(*) FROM migration_control').pluck().get()).toBe(0);
    // Version 4's too: no host being evacuated, no slot held.
    expect(db.prepare('SELECT COUNT(*) FROM evacuations').pluck().get()).toBe(0);
    expect(db.prepare('SELECT COUNT(*) FROM migration_slots').pluck().get()).toBe(0);
    db.close();
  });

  it('refuses a file written by a newer liveshift, loudly', () => {
    const file = fileWith(
      `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL); INSERT INTO meta VALUES ('schema_version', '99');`,
    );
    expect(() => openDb(file)).toThrow(`schema version 99; this liveshift reads versions 1 to ${SCHEMA_VERSION}`);
  });
});

describe('a fault that fires after the atom took effect', () => {
  const pool = smallPool();
  const { pick } = planned(pool);

  it('reports failure although the attach happened; the retry is a no-op with the same effect', async () => {
    const sim = openSim(pool);
    await sim.run(pick('VM_create'), {});
    sim.addFault({ atom: 'VBD_attach', host: 'host-b', device: 'xvda', effect: 'fail', at: 'after' });
    const attach = pick('VBD_attach', { device: 'xvda' });
    await expectFailure(() => sim.run(attach, {}), FailureType.InjectedFault);
    const after = sim.attachments(attach.vmUuid).filter((a) => a.host === 'host-b');
    expect(after).toHaveLength(1);
    expect((await sim.run(attach, {})).noop).toBe(true);
    expect(sim.attachments(attach.vmUuid).filter((a) => a.host === 'host-b')).toEqual(after);
  });
});
