// Placement and scheduling rounds of an evacuation (pure), the slots they hand out in the pool
// state (shared by concurrent evacuations), and the caps read back from the hosts' event log.
import { afterEach, describe, expect, it } from 'vitest';
import { migrationSpans, peakConcurrency, peakOverlap, type MigrationSpan } from '../../domain/evacuation-measure';
import { planRound, type Caps } from '../../domain/evacuation-round';
import { freeMemory, rankDestinations, type PlacementView } from '../../domain/placement';
import { poolSchema, type Pool, type PoolInput } from '../../domain/pool';
import { TWO_SHARED_SRS } from '../../sim/storage-presets';
import { closeSims, openSim } from './fixtures';

afterEach(closeSims);

const vm = (name: string, residentOn: string, memoryMiB = 256, srs = ['v3', 'v1']) => ({
  name,
  residentOn,
  memoryMiB,
  vbds: srs.map((sr, i) => ({ device: `xvd${'abc'[i]}`, sr, mode: 'RW' as const })),
});

function pool(extra: Partial<PoolInput> = {}): Pool {
  return poolSchema.parse({
    name: 'place',
    hosts: [
      { name: 'src' },
      { name: 'b', memoryMiB: 1024 },
      { name: 'c' },
      { name: 'legacy', vbdPlugUnplugLegacy: true },
    ],
    sms: TWO_SHARED_SRS.sms,
    srs: [...TWO_SHARED_SRS.srs!, { name: 'local', type: 'nfs', shared: false, host: 'src' }],
    vms: [vm('v1', 'src', 512), vm('v2', 'src', 256), vm('big', 'src', 2048), vm('on-b', 'b', 768)],
    ...extra,
  });
}

const view = (p = pool(), more: Partial<PlacementView> = {}): PlacementView => ({
  pool: p,
  evacuating: ['src'],
  slots: [],
  ...more,
});
const find = (p: Pool, name: string) => p.vms.find((v) => v.name === name)!;
const caps = (perSource: number, perDestination: number, poolCap: number): Caps => ({
  perSource,
  perDestination,
  pool: poolCap,
});

describe('rankDestinations', () => {
  it('prefers the host where more disks attach early, then free memory, then name', () => {
    const p = pool();
    const r = rankDestinations(view(p), find(p, 'v2'), 'early-attach');
    expect(r.ok && r.candidates.map((c) => [c.host, c.earlyDisks, c.freeMiB])).toEqual([
      ['c', 1, null],
      ['b', 1, 256],
      ['legacy', 0, null],
    ]);
    // With the legacy plan no disk attaches early: memory decides.
    const legacy = rankDestinations(view(p), find(p, 'v2'), 'legacy');
    expect(legacy.ok && legacy.candidates.map((c) => c.host)).toEqual(['c', 'legacy', 'b']);
  });

  it('spreads ties over the pool: fewest VMs resident or heading there first', () => {
    const p = pool({ hosts: [{ name: 'src' }, { name: 'b' }, { name: 'c' }], vms: [vm('v', 'src'), vm('w', 'b')] });
    const first = rankDestinations(view(p), find(p, 'v'), 'early-attach');
    expect(first.ok && first.candidates.map((c) => [c.host, c.load])).toEqual([
      ['c', 0],
      ['b', 1],
    ]);
    const slots = [1, 2].map(() => ({ source: 'src', destination: 'c', memoryMiB: 1 }));
    const later = rankDestinations(view(p, { slots }), find(p, 'v'), 'early-attach');
    expect(later.ok && later.candidates.map((c) => c.host)).toEqual(['b', 'c']);
  });

  it('counts residents and migrations heading to a host against its memory', () => {
    const p = pool();
    expect(freeMemory(view(p), 'b')).toBe(256);
    expect(freeMemory(view(p, { slots: [{ source: 'x', destination: 'b', memoryMiB: 200 }] }), 'b')).toBe(56);
    const r = rankDestinations(view(p), find(p, 'v1'), 'early-attach');
    expect(r.ok && r.candidates.map((c) => c.host)).toEqual(['c', 'legacy']);
  });

  it('never picks a host being evacuated, one of another backend, or one that cannot reach an SR', () => {
    const p = pool({
      hosts: [{ name: 'src' }, { name: 'b' }, { name: 'q', backend: 'qemu' }],
      vms: [vm('pinned', 'src', 128, ['local'])],
    });
    const pinned = rankDestinations(view(p), find(p, 'pinned'), 'early-attach');
    expect(pinned).toEqual({
      ok: false,
      reason: 'no destination can take it: b cannot reach SR local (xvda); q is a qemu host, the VM runs on sim',
    });
    const p2 = pool({ hosts: [{ name: 'src' }, { name: 'b' }], vms: [vm('v', 'src')] });
    expect(rankDestinations(view(p2, { evacuating: ['src', 'b'] }), find(p2, 'v'), 'legacy')).toEqual({
      ok: false,
      reason: 'no destination can take it: b is being evacuated',
    });
  });
});

describe('planRound', () => {
  const p = pool({ vms: ['a', 'b2', 'c3', 'd4', 'e5'].map((n) => vm(n, 'src', 128)) });
  const pending = p.vms.map((v) => v.name);

  it('starts VMs in order until the source or pool cap is reached', () => {
    const r = planRound(view(p), { source: 'src', plan: 'early-attach', caps: caps(3, 5, 5), pending });
    expect(r.start.map((s) => s.vm)).toEqual(['a', 'b2', 'c3']);
    const pooled = planRound(view(p, { slots: [{ source: 'other', destination: 'c', memoryMiB: 1 }] }), {
      source: 'src',
      plan: 'early-attach',
      caps: caps(3, 5, 2),
      pending,
    });
    expect(pooled.start).toHaveLength(1); // the other evacuation's migration counts against the pool cap
  });

  it('spreads over the best destinations within their cap and waits rather than take a worse one', () => {
    const r = planRound(view(p), { source: 'src', plan: 'early-attach', caps: caps(5, 1, 5), pending });
    // c and b tie on early disks; `legacy` would cost each VM its disks' attach inside the window.
    expect(r.start.map((s) => [s.vm, s.to, s.earlyDisks, s.disks])).toEqual([
      ['a', 'c', 1, 2],
      ['b2', 'b', 1, 2],
    ]);
    expect(r.unplaceable).toEqual([]);
  });

  it('reports a VM that cannot move, or is no longer on the host, and goes on with the rest', () => {
    const mixed = pool({ vms: [vm('pinned', 'src', 128, ['local']), vm('gone', 'c'), vm('ok', 'src')] });
    const r = planRound(view(mixed), {
      source: 'src',
      plan: 'early-attach',
      caps: caps(2, 2, 2),
      pending: ['pinned', 'gone', 'ok'],
    });
    expect(r.start.map((s) => s.vm)).toEqual(['ok']);
    expect(r.unplaceable.map((u) => u.vm)).toEqual(['pinned', 'gone']);
    expect(r.unplaceable[1]!.reason).toBe('no longer on src: it now runs on c');
  });
});

describe('slots in the pool state', () => {
  it('are shared by two evacuations: the pool cap holds across them, and released slots are reused', () => {
    const p = pool({
      hosts: [{ name: 'h1' }, { name: 'h2' }, { name: 'd' }],
      srs: TWO_SHARED_SRS.srs,
      vms: [vm('x1', 'h1'), vm('x2', 'h1'), vm('y1', 'h2'), vm('y2', 'h2')],
    });
    const sim = openSim(p);
    expect(sim.beginEvacuation('h1', 'evacuate-h1')).toEqual({ ok: true });
    expect(sim.beginEvacuation('h1', 'another')).toEqual({ ok: false, heldBy: 'evacuate-h1' });
    expect(sim.beginEvacuation('h2', 'evacuate-h2')).toEqual({ ok: true });
    expect(sim.snapshot().evacuating).toEqual(['h1', 'h2']);
    const ask = (source: string, pending: string[], release: string[] = []) =>
      sim.scheduleRound({
        evacuationId: `evacuate-${source}`,
        release,
        request: { source, plan: 'early-attach', caps: caps(2, 2, 3), pending },
        childId: (uuid) => `migrate-${uuid}`,
      });
    const first = ask('h1', ['x1', 'x2']);
    expect(first.start.map((s) => s.to)).toEqual(['d', 'd']);
    expect(ask('h2', ['y1', 'y2']).start).toEqual([]); // d is at its cap (2) and h1 is being evacuated
    const freed = ask('h2', ['y1', 'y2'], [`migrate-${first.start[0]!.vmUuid}`]);
    expect(freed.start.map((s) => s.vm)).toEqual(['y1']);
    sim.endEvacuation('h1', 'evacuate-h1');
    sim.endEvacuation('h2', 'evacuate-h2');
    expect(sim.snapshot().evacuating).toBeUndefined();
    expect(ask('h2', ['y2']).start.map((s) => s.to)).toEqual(['d']); // every slot went with its evacuation
  });
});

describe('peak concurrency from the event log', () => {
  const span = (id: string, source: string, destination: string, startMs: number, endMs: number): MigrationSpan => ({
    migrationId: id,
    vmUuid: id,
    source,
    destination,
    startMs,
    endMs,
  });

  it('counts overlapping spans per pool, source and destination; touching spans do not overlap', () => {
    const spans = [span('1', 'a', 'x', 0, 10), span('2', 'a', 'y', 5, 15), span('3', 'b', 'x', 10, 20)];
    expect(peakOverlap(spans)).toBe(2);
    expect(peakConcurrency(spans)).toEqual({ pool: 2, perSource: { a: 2, b: 1 }, perDestination: { x: 1, y: 1 } });
  });

  it('builds spans from each migration’s events of the VMs an evacuation moved', () => {
    const e = (vmUuid: string, migrationId: string | null, startMs: number, endMs: number) =>
      ({ vmUuid, migrationId, startMs, endMs }) as Parameters<typeof migrationSpans>[0][number];
    const spans = migrationSpans(
      [e('u1', 'm1', 5, 6), e('u1', 'm1', 7, 30), e('u2', 'm2', 10, 12), e('u3', 'm3', 0, 99), e('u1', null, 0, 1)],
      [
        { vmUuid: 'u1', source: 'a', destination: 'x' },
        { vmUuid: 'u2', source: 'a', destination: 'y' },
      ],
    );
    expect(spans.map((s) => [s.migrationId, s.startMs, s.endMs])).toEqual([
      ['m1', 5, 30],
      ['m2', 10, 12],
    ]);
  });
});
