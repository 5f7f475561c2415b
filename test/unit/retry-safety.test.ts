// Retry safety: every atom of both plans (and of a rollback), re-run right after it took effect,
// is a recorded no-op with the same outcome and no second side effect.
import { afterEach, describe, expect, it } from 'vitest';
import { atomsOf, type AtomCall } from '../../domain/atoms';
import { planRollback } from '../../domain/rollback';
import type { PlanKind } from '../../domain/request';
import type { SimPool } from '../../sim/sim-pool';
import { closeSims, openSim, planned, smallPool } from './fixtures';

afterEach(closeSims);

/** The mutable state without the event log (a no-op still records that it ran). */
function state(sim: SimPool): unknown {
  const all = (t: string) => sim.db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2`).all();
  return { domains: all('domains'), attachments: all('vdi_attachments'), extra: all('vm_extra') };
}

async function runTwice(sim: SimPool, call: AtomCall, firstTakesEffect = true): Promise<void> {
  const first = await sim.run(call, {});
  const after = state(sim);
  const events = sim.events().length;
  const again = await sim.run(call, {});
  // Memory copies change no state: re-running one copies again, which is harmless.
  const stateless = call.atom === 'VM_precopy' || call.atom === 'VM_memory_final';
  if (firstTakesEffect)
    expect({ atom: call.atom, device: call.vbd?.device, noop: first.noop }).toEqual({
      atom: call.atom,
      device: call.vbd?.device,
      noop: false,
    });
  if (!stateless) expect(again.noop).toBe(true);
  expect(state(sim)).toEqual(after);
  expect(sim.events().length).toBe(events + 1);
}

describe.each<PlanKind>(['early-attach', 'legacy'])('every atom of the %s plan', (plan) => {
  const pool = smallPool();
  const { m, calls } = planned(pool, 'vm-1', 'host-b', plan);

  it('is idempotent when re-run after it took effect', async () => {
    const sim = openSim(pool);
    for (const call of calls) await runTwice(sim, call);
    expect(sim.runningOn(m.vmUuid)).toEqual(['host-b']);
  });

  it('and so is every atom of the rollback after a failure in downtime', async () => {
    const sim = openSim(pool);
    const upTo = calls.findIndex((c) => c.atom === 'VM_unpause' && c.phase === 'downtime');
    for (const call of calls.slice(0, upTo)) await sim.run(call, {});
    // The rollback destroys both the real and the temporary id (a rename may or may not have
    // happened), so one of its atoms finds nothing to do even the first time.
    for (const call of atomsOf(planRollback(m, calls.slice(0, upTo)).plan))
      await runTwice(sim, call, call.domId !== m.tempId);
    expect(sim.runningOn(m.vmUuid)).toEqual(['host-a']);
    expect(sim.attachments(m.vmUuid).every((a) => a.host === 'host-a' && a.active === 1)).toBe(true);
  });
});
