// Slots asked for by migrations an evacuation started ahead (sim/slot-grant.ts): granted in the
// evacuation's order within the caps, with the destination chosen when the slot frees; refused for
// good when the VM cannot move or the evacuation was aborted; freed by the migration's end.
import { afterEach, describe, expect, it } from 'vitest';
import type { SlotRequest } from '../../domain/evacuation-round';
import { poolSchema, type Pool } from '../../domain/pool';
import { TWO_SHARED_SRS } from '../../sim/storage-presets';
import { closeSims, openSim } from './fixtures';

afterEach(closeSims);

const vm = (name: string, residentOn: string, memoryMiB = 256, srs = ['v3']) => ({
  name,
  residentOn,
  memoryMiB,
  vbds: srs.map((sr, i) => ({ device: `xvd${'abc'[i]}`, sr, mode: 'RW' as const })),
});

function pool(): Pool {
  return poolSchema.parse({
    name: 'grant',
    hosts: [{ name: 'src' }, { name: 'd1' }, { name: 'd2', memoryMiB: 1024 }],
    sms: TWO_SHARED_SRS.sms,
    srs: [...TWO_SHARED_SRS.srs!, { name: 'local', type: 'nfs', shared: false, host: 'src' }],
    vms: [vm('a', 'src'), vm('b', 'src'), vm('c', 'src'), vm('stuck', 'src', 256, ['local'])],
  });
}

function setUp(perSource = 1) {
  const sim = openSim(pool());
  expect(sim.beginEvacuation('src', 'evacuate-src')).toEqual({ ok: true });
  const ask = (vm: string, rank: number): SlotRequest => ({
    evacuationId: 'evacuate-src',
    workflowId: `migrate-${vm}`,
    vm,
    rank,
    source: 'src',
    plan: 'early-attach',
    caps: { perSource, perDestination: 1, pool: 4 },
  });
  return { sim, ask };
}

describe('slot grants for queued migrations', () => {
  it('grant within the caps, in the evacuation order, and a freed slot goes to the first waiting', () => {
    const { sim, ask } = setUp(1);
    const a = sim.grantSlot(ask('a', 0));
    // The hosts being evacuated come with the grant: the migration's own snapshot may be older.
    expect(a).toMatchObject({ kind: 'granted', start: { vm: 'a', to: 'd1' }, evacuating: ['src'] });
    // b and c wait (one per source); both asks are on record, c's first.
    sim.askSlot(ask('c', 2));
    sim.askSlot(ask('b', 1));
    expect(sim.grantSlot(ask('c', 2))).toEqual({ kind: 'wait' });
    sim.releaseSlot('migrate-a');
    // c asks first once a's slot frees, but b is ahead of it in the order.
    expect(sim.grantSlot(ask('c', 2))).toEqual({ kind: 'wait' });
    expect(sim.grantSlot(ask('b', 1))).toMatchObject({ kind: 'granted', start: { vm: 'b', to: 'd1' } });
  });

  it('keep the order the evacuation put on record, even for a later VM that asks first', () => {
    const { sim, ask } = setUp(1);
    sim.recordAsks('evacuate-src', [
      { workflowId: 'migrate-a', vm: 'a', rank: 0 },
      { workflowId: 'migrate-b', vm: 'b', rank: 1 },
    ]);
    expect(sim.grantSlot(ask('b', 1))).toEqual({ kind: 'wait' });
    expect(sim.grantSlot(ask('a', 0))).toMatchObject({ kind: 'granted', start: { vm: 'a' } });
    sim.releaseSlot('migrate-a');
    expect(sim.grantSlot(ask('b', 1))).toMatchObject({ kind: 'granted', start: { vm: 'b' } });
  });

  it('place on the destination with room when the slot frees, and take each slot once', () => {
    const { sim, ask } = setUp(2);
    expect(sim.grantSlot(ask('a', 0))).toMatchObject({ kind: 'granted', start: { to: 'd1' } });
    expect(sim.grantSlot(ask('b', 1))).toMatchObject({ kind: 'granted', start: { to: 'd2' } });
    // Asked again (its answer lost with a workflow task), b keeps one slot, not two.
    expect(sim.grantSlot(ask('b', 1))).toMatchObject({ kind: 'granted', start: { to: 'd2' } });
    expect(sim.grantSlot(ask('c', 2))).toEqual({ kind: 'wait' });
    sim.releaseSlot('migrate-b');
    expect(sim.grantSlot(ask('c', 2))).toMatchObject({ kind: 'granted', start: { vm: 'c', to: 'd2' } });
  });

  it('keep a retried ask on the slot it holds, destination and all, even past an abort', () => {
    const { sim, ask } = setUp(2);
    expect(sim.grantSlot(ask('a', 0))).toMatchObject({ kind: 'granted', start: { vm: 'a', to: 'd1' } });
    // Placed afresh, a would now go to d2: d1 is being evacuated. But its first atom may have run on d1.
    expect(sim.beginEvacuation('d1', 'evacuate-d1')).toEqual({ ok: true });
    sim.abortEvacuation('evacuate-src', 'operator request');
    // Nor does d1's evacuation, begun after the slot was granted, refuse the migration it holds.
    const again = sim.grantSlot(ask('a', 0));
    expect(again).toMatchObject({ kind: 'granted', start: { vm: 'a', to: 'd1' }, evacuating: ['src'] });
    expect(sim.grantSlot(ask('b', 1))).toEqual({ kind: 'refused', reason: 'evacuation aborted: operator request' });
  });

  it('refuse for good a VM no host can take, and every ask once the evacuation is aborted or ended', () => {
    const { sim, ask } = setUp(2);
    const stuck = sim.grantSlot(ask('stuck', 0));
    expect(stuck.kind === 'refused' && stuck.reason).toMatch(/^no destination can take it: d1 cannot reach SR local/);
    sim.abortEvacuation('evacuate-src', 'operator request');
    expect(sim.grantSlot(ask('a', 1))).toEqual({ kind: 'refused', reason: 'evacuation aborted: operator request' });
    sim.endEvacuation('src', 'evacuate-src');
    expect(sim.grantSlot(ask('b', 2))).toEqual({ kind: 'refused', reason: 'evacuate-src has ended' });
  });
});
