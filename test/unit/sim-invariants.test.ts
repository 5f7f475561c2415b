import { afterEach, describe, expect, it } from 'vitest';
import { atomsOf, type AtomCall } from '../../domain/atoms';
import { FailureType } from '../../domain/errors';
import { MIGRATION_END_OP } from '../../domain/events';
import { planRollback } from '../../domain/rollback';
import { audit } from '../../sim/audit';
import type { SimPool } from '../../sim/sim-pool';
import * as store from '../../sim/store';
import { closeSims, expectFailure, openSim, planned, reopen, smallPool, stateDump } from './fixtures';

afterEach(closeSims);

const pool = smallPool();
const { m, calls, pick } = planned(pool);
const uuid = m.vmUuid;
const runAll = async (sim: SimPool, list: AtomCall[]) => {
  for (const c of list) await sim.run(c, {});
};
const att = (sim: SimPool, host: string, device: string) =>
  sim.attachments(uuid).find((a) => a.host === host && a.device === device);
const create = pick('VM_create');
const attachA = pick('VBD_attach', { device: 'xvda' }); // early, under the temporary id
const activateA = { ...pick('VBD_activate', { device: 'xvda' }), domId: m.tempId }; // before any rename

describe('invariants are enforced when an operation runs', () => {
  it('(1) refuses to activate a read-write VDI on a second host while active on the first', async () => {
    const sim = openSim(pool);
    await runAll(sim, [create, attachA]);
    const before = stateDump(sim);
    const err = await expectFailure(() => sim.run(activateA, {}), FailureType.InvariantViolation);
    expect(err.message).toMatch(/already active on host-a/);
    expect(stateDump(sim)).toEqual(before);
    expect(att(sim, 'host-a', 'xvda')?.active).toBe(1);
    expect(att(sim, 'host-b', 'xvda')?.active).toBe(0);
  });

  it('(3) refuses to activate without an attach: typed error, never a no-op, state unchanged', async () => {
    const sim = openSim(pool);
    await runAll(sim, [create]);
    const before = stateDump(sim);
    await expectFailure(() => sim.run(activateA, {}), FailureType.NoAttachRecord);
    expect(stateDump(sim)).toEqual(before);
    // Also on a host holding no domain and no record at all.
    await expectFailure(() => sim.run({ ...activateA, domId: uuid }, {}), FailureType.NoAttachRecord);
    expect(stateDump(sim)).toEqual(before);
  });

  it('(2) refuses to unpause on a second host while the VM runs on the first', async () => {
    const sim = openSim(pool);
    await runAll(sim, [create]);
    const before = stateDump(sim);
    const err = await expectFailure(
      () => sim.run({ ...pick('VM_unpause'), domId: m.tempId }, {}),
      FailureType.InvariantViolation,
    );
    expect(err.message).toMatch(/already running on host-a/);
    expect(stateDump(sim)).toEqual(before);
    expect(sim.runningOn(uuid)).toEqual(['host-a']);
  });

  it('refuses to deactivate a disk under a running VM (a rollback must never do that)', async () => {
    const sim = openSim(pool);
    const before = stateDump(sim);
    const err = await expectFailure(
      () => sim.run(pick('VBD_deactivate', { device: 'xvda' }), {}),
      FailureType.PreconditionFailed,
    );
    expect(err.message).toMatch(/is running/);
    expect(stateDump(sim)).toEqual(before);
    expect(att(sim, 'host-a', 'xvda')?.active).toBe(1);
  });
});

describe('idempotency', () => {
  it('a second attach and a second activate are no-ops that change nothing', async () => {
    const sim = openSim(pool);
    await runAll(sim, [create]);
    expect((await sim.run(attachA, {})).noop).toBe(false);
    const afterAttach = { atts: sim.attachments(uuid), rec: store.readRecord(sim.db, 'host-b', m.tempId) };
    expect((await sim.run(attachA, {})).noop).toBe(true);
    expect({ atts: sim.attachments(uuid), rec: store.readRecord(sim.db, 'host-b', m.tempId) }).toEqual(afterAttach);

    await runAll(sim, [pick('VM_suspend'), pick('VBD_deactivate', { device: 'xvda' })]);
    expect((await sim.run(activateA, {})).noop).toBe(false);
    const afterActivate = sim.attachments(uuid);
    expect((await sim.run(activateA, {})).noop).toBe(true);
    expect(sim.attachments(uuid)).toEqual(afterActivate);
    expect(att(sim, 'host-b', 'xvda')?.active).toBe(1);
  });

  it('activate can be retried after a failure: the attach record survives the failed attempt', async () => {
    const sim = openSim(pool);
    await runAll(sim, [create, attachA, pick('VM_suspend'), pick('VBD_deactivate', { device: 'xvda' })]);
    sim.addFault({ atom: 'VBD_activate', host: 'host-b', device: 'xvda', effect: 'fail', times: 1 });
    await expectFailure(() => sim.run(activateA, {}), FailureType.InjectedFault);
    expect(store.readRecord(sim.db, 'host-b', m.tempId)?.attachedVdis.xvda).toEqual({ vdi: 'vm-1-xvda', mode: 'RW' });
    expect(att(sim, 'host-b', 'xvda')?.active).toBe(0);
    expect((await sim.run(activateA, {})).noop).toBe(false);
    expect(att(sim, 'host-b', 'xvda')?.active).toBe(1);
  });
});

describe('audit', () => {
  const end = (sim: SimPool) =>
    sim.appendEvent({ host: 'host-b', op: MIGRATION_END_OP, vmUuid: uuid, migrationId: 'mig-1', startMs: 0, endMs: 0 });

  it('a clean migration replays with no violation, leaving the VM on the destination only', async () => {
    const sim = openSim(pool);
    expect(audit(sim.events())).toEqual([]);
    await runAll(sim, calls);
    end(sim);
    expect(sim.runningOn(uuid)).toEqual(['host-b']);
    expect(sim.attachments(uuid).map((a) => a.host)).toEqual(['host-b', 'host-b']);
    expect(audit(sim.events())).toEqual([]);
  });

  it('a rollback after a failed destination activate hands the VM back with nothing left behind', async () => {
    const sim = openSim(pool);
    sim.addFault({ atom: 'VBD_activate', host: 'host-b', device: 'xvdb', effect: 'fail', times: 1 });
    const failing = calls.indexOf(pick('VBD_activate', { device: 'xvdb' }));
    await runAll(sim, calls.slice(0, failing));
    await expectFailure(() => sim.run(calls[failing]!, {}), FailureType.InjectedFault);
    await runAll(sim, atomsOf(planRollback(m, calls.slice(0, failing + 1)).plan));
    sim.appendEvent({ host: 'host-a', op: MIGRATION_END_OP, vmUuid: uuid, migrationId: 'mig-1', startMs: 0, endMs: 0 });
    expect(sim.runningOn(uuid)).toEqual(['host-a']);
    expect(sim.attachments(uuid).filter((a) => a.host === 'host-b')).toEqual([]);
    expect(store.domainsOfVm(sim.db, uuid).map((d) => d.host)).toEqual(['host-a']);
    expect(audit(sim.events())).toEqual([]);
  });

  const ev = { vmUuid: uuid, vdi: 'vm-1-xvda', device: 'xvda', mode: 'RW' as const, startMs: 1, endMs: 2 };
  it.each([
    [
      1,
      [
        { ...ev, host: 'host-b', op: 'VBD_attach' },
        { ...ev, host: 'host-b', op: 'VBD_activate' },
      ],
    ],
    [2, [{ ...ev, host: 'host-b', op: 'VM_unpause' }]],
    [3, [{ ...ev, host: 'host-b', op: 'VBD_activate' }]],
    [
      4,
      [
        { ...ev, host: 'host-b', op: 'VBD_attach' },
        { ...ev, host: 'host-a', op: MIGRATION_END_OP, migrationId: 'mig-x' },
      ],
    ],
  ] as const)('flags a hand-appended breach of invariant %i', (invariant, bad) => {
    const sim = openSim(pool);
    for (const e of bad) sim.appendEvent(e);
    const events = sim.events();
    const violations = audit(events);
    expect(violations.map((v) => v.invariant)).toEqual([invariant]);
    expect(violations[0]?.seq).toBe(events.at(-1)?.seq);
  });

  it('ignores no-op events', () => {
    const sim = openSim(pool);
    sim.appendEvent({ ...ev, host: 'host-b', op: 'VBD_activate', detail: 'noop' });
    expect(audit(sim.events())).toEqual([]);
  });
});

describe('fault injection', () => {
  const fault = { atom: 'VM_create', host: 'host-b', effect: 'fail', times: 2 } as const;

  it('a fail fault with times: 2 fails twice, then the operation succeeds', async () => {
    const sim = openSim(pool);
    sim.addFault(fault);
    await expectFailure(() => sim.run(create, {}), FailureType.InjectedFault);
    await expectFailure(() => sim.run(create, {}), FailureType.InjectedFault);
    expect(store.domain(sim.db, 'host-b', m.tempId)).toBeUndefined();
    expect((await sim.run(create, {})).noop).toBe(false);
    expect(store.domain(sim.db, 'host-b', m.tempId)?.state).toBe('created');
  });

  it('the firing count persists in the state file across SimPool instances', async () => {
    const first = openSim(pool);
    first.addFault(fault);
    await expectFailure(() => first.run(create, {}), FailureType.InjectedFault);
    first.close();
    const second = reopen(first);
    await expectFailure(() => second.run(create, {}), FailureType.InjectedFault);
    second.close();
    const third = reopen(first);
    expect((await third.run(create, {})).noop).toBe(false);
    expect(third.db.prepare('SELECT fired FROM faults').pluck().get()).toBe(2);
  });
});
