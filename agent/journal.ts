// What the hosts recorded as done for a migration's phase, by atom key, with each host's own
// timing. A host can die after an atom took effect and before its report left; the switchover
// runner reads this after losing a host, so what is done is never sent again (an attach sent again
// after the rename that followed it would fail: the temporary domain is gone).
import { atomNameSchema, type AtomResult, type Phase } from '../domain/atoms';
import { eventAtomKey } from '../domain/interpret';
import type { Inventory } from '../domain/toolstack';

export type Journal = (migrationId: string, phase: Phase) => Map<string, AtomResult>;

/** The pool's event log (written by each host in the same transaction as the atom's effect) as a journal. */
export function journalOf(inventory: Pick<Inventory, 'events'>): Journal {
  return (migrationId, phase) => {
    const done = new Map<string, AtomResult>();
    for (const e of inventory.events(migrationId))
      if (e.phase === phase && atomNameSchema.safeParse(e.op).success)
        done.set(eventAtomKey(e), { startMs: e.startMs, endMs: e.endMs, noop: e.detail === 'noop' });
    return done;
  };
}
