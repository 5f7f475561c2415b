// The rollback of a migration whose source stops the guest itself at the end of pre-copy (QEMU):
// the guest may be paused once VM_precopy was tried, before any VM_suspend, so the rollback
// unpauses the source then too (test/qemu/faults.test.ts runs it on real guests). Histories from
// before the rule replay without it (workflows/patches.ts).
import { describe, expect, it } from 'vitest';
import { atomsOf, type AtomCall } from '../../domain/atoms';
import { planRollback, precopyPauses } from '../../domain/rollback';
import { planned, smallPool } from './fixtures';

const qemu = smallPool({
  hosts: [
    { name: 'host-a', backend: 'qemu' },
    { name: 'host-b', backend: 'qemu' },
  ],
});
const shape = (calls: AtomCall[]) => calls.map((c) => `${c.atom}@${c.host}`);
/** Everything up to and including the source's VM_precopy: an abort stopped the window at VM_suspend. */
const upToPrecopy = (calls: AtomCall[]) => calls.slice(0, calls.findIndex((c) => c.atom === 'VM_precopy') + 1);

describe('rolling back after VM_precopy, before VM_suspend', () => {
  it('unpauses a QEMU source, whose pre-copy runs in the downtime phase', () => {
    const { m, calls } = planned(qemu);
    expect(precopyPauses(m)).toBe(true);
    const { phases } = planRollback(m, upToPrecopy(calls), { unpauseAfterPrecopy: true });
    expect(shape(atomsOf(phases.restore.plan))).toEqual(['VM_unpause@host-a']);
    expect(phases.restore.dispatch).toBe('direct');
  });

  it('leaves it out when replaying a history from before the rule, and for a simulated source', () => {
    const { m, calls } = planned(qemu);
    expect(atomsOf(planRollback(m, upToPrecopy(calls)).phases.restore.plan)).toEqual([]);
    const sim = planned(smallPool());
    expect(precopyPauses(sim.m)).toBe(false);
    const undo = planRollback(sim.m, upToPrecopy(sim.calls), { unpauseAfterPrecopy: true });
    expect(atomsOf(undo.phases.restore.plan)).toEqual([]);
  });
});
