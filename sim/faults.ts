// Fault injection. A fault's firing count lives in the state file, so a retry after a crash (or
// from another process) does not fire it again.
import type { AtomCall } from '../domain/atoms';
import type { Fault } from '../domain/pool';
import { stmt, type Db } from './db';

export type FiredFault = Pick<Fault, 'effect' | 'at'>;

export function insertFault(db: Db, f: Fault): void {
  stmt(db, 'INSERT INTO faults (atom, host, vm, device, effect, times, at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
    f.atom,
    f.host ?? null,
    f.vm ?? null,
    f.device ?? null,
    f.effect,
    f.times,
    f.at,
  );
}

/** Could a fault fire on this atom? A read, so an atom with no fault pays no write transaction. */
export function mayFault(db: Db, call: AtomCall): boolean {
  return stmt(db, 'SELECT 1 FROM faults WHERE atom = ? AND fired < times LIMIT 1').get(call.atom) !== undefined;
}

/** Fires the first matching fault that has firings left; call inside a write transaction. */
export function takeFault(db: Db, call: AtomCall): FiredFault | undefined {
  const row = stmt(
    db,
    `SELECT id, effect, at FROM faults WHERE atom = ? AND fired < times
         AND (host IS NULL OR host = ?) AND (vm IS NULL OR vm = ?) AND (device IS NULL OR device = ?)
       ORDER BY id LIMIT 1`,
  ).get(call.atom, call.host, call.vmName, call.vbd?.device ?? null) as ({ id: number } & FiredFault) | undefined;
  if (!row) return undefined;
  stmt(db, 'UPDATE faults SET fired = fired + 1 WHERE id = ?').run(row.id);
  return { effect: row.effect, at: row.at };
}

/** Removes the faults of one VM, or all of them. */
export function clearFaults(db: Db, vm?: string): void {
  if (vm === undefined) stmt(db, 'DELETE FROM faults').run();
  else stmt(db, 'DELETE FROM faults WHERE vm = ?').run(vm);
}

/** How many times the faults of a VM have fired so far. */
export function faultFirings(db: Db, vm: string): number {
  return stmt(db, 'SELECT COALESCE(SUM(fired), 0) FROM faults WHERE vm = ?').pluck().get(vm) as number;
}
