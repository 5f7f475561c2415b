import { describe, expect, it } from 'vitest';
import type { SimEvent } from '../../domain/events';
import { MIGRATION_END_OP } from '../../domain/events';
import { coveredMs, downtimeWindow, measure } from '../../domain/measure';

let seq = 0;
const ev = (op: string, startMs: number, endMs: number, host = 'host-b', device: string | null = null): SimEvent => ({
  seq: ++seq,
  host,
  op,
  vmUuid: 'u',
  domId: 'u',
  device,
  vdi: device,
  mode: device ? 'RW' : null,
  migrationId: 'mig-1',
  startMs,
  endMs,
  detail: null,
  phase: null,
});

// Origin 1000; downtime from the suspend's end (1100) to the destination unpause's end (1200).
const migration: SimEvent[] = [
  ev('VM_create', 1000, 1010),
  ev('VBD_attach', 1010, 1050, 'host-b', 'xvda'),
  ev('VM_precopy', 1010, 1090, 'host-a'),
  ev('VM_suspend', 1090, 1100, 'host-a'),
  ev('VM_memory_final', 1100, 1130, 'host-a'),
  ev('VBD_deactivate', 1120, 1140, 'host-a', 'xvda'), // overlaps memory_final: counted once
  ev('VM_rename', 1150, 1155),
  ev('VBD_activate', 1160, 1180, 'host-b', 'xvda'),
  ev(MIGRATION_END_OP, 1100, 1200), // not an atom: must not count as busy time
  ev('VM_unpause', 1185, 1200),
  ev('VBD_detach', 1210, 1250, 'host-a', 'xvda'),
];

describe('downtimeWindow', () => {
  it('runs from the end of VM_suspend to the end of the next VM_unpause', () => {
    expect(downtimeWindow(migration)).toEqual({ startMs: 1100, endMs: 1200 });
  });

  it('ignores an unpause that ended before the suspend (e.g. the boot)', () => {
    expect(downtimeWindow([ev('VM_unpause', 0, 5, 'host-a'), ...migration])).toEqual({ startMs: 1100, endMs: 1200 });
  });

  it('ends at the source unpause of a rollback', () => {
    const rolledBack = [
      ev('VM_suspend', 10, 20, 'host-a'),
      ev('VBD_activate', 30, 40, 'host-a', 'xvda'),
      ev('VM_unpause', 40, 45, 'host-a'),
    ];
    expect(downtimeWindow(rolledBack)).toEqual({ startMs: 20, endMs: 45 });
  });

  it('is null when the VM never paused, or never ran again', () => {
    expect(downtimeWindow([ev('VM_create', 0, 1)])).toBeNull();
    expect(downtimeWindow([ev('VM_suspend', 0, 1, 'host-a'), ev('VM_memory_final', 1, 2, 'host-a')])).toBeNull();
  });
});

describe('measure', () => {
  const r = measure(migration, 1000);

  it('reports downtime, total and the idle part of the window', () => {
    expect(r.downtimeMs).toBe(100);
    // busy: [1100,1140] 40 + [1150,1155] 5 + [1160,1180] 20 + [1185,1200] 15 = 80
    expect(r.idleInDowntimeMs).toBe(20);
    expect(r.totalMs).toBe(250);
    expect(r.window).toEqual({ startMs: 1100, endMs: 1200 });
  });

  it('lists only atoms, relative to the origin, flagged inDowntime when they overlap the window', () => {
    expect(r.atoms.map((a) => a.atom)).not.toContain(MIGRATION_END_OP);
    expect(r.atoms).toHaveLength(migration.length - 1);
    const flags = Object.fromEntries(r.atoms.map((a) => [a.atom, a.inDowntime]));
    expect(flags).toEqual({
      VM_create: false,
      VBD_attach: false,
      VM_precopy: false,
      VM_suspend: false,
      VM_memory_final: true,
      VBD_deactivate: true,
      VM_rename: true,
      VBD_activate: true,
      VM_unpause: true,
      VBD_detach: false,
    });
    expect(r.atoms.find((a) => a.atom === 'VBD_activate')).toEqual({
      atom: 'VBD_activate',
      host: 'host-b',
      device: 'xvda',
      startMs: 160,
      endMs: 180,
      inDowntime: true,
    });
    expect(r.atoms.find((a) => a.atom === 'VM_rename')).not.toHaveProperty('device');
  });

  it('has zero downtime and nothing in downtime when the VM never paused', () => {
    const m = measure([ev('VM_create', 1000, 1010), ev('VM_destroy', 1020, 1030.04)], 1000);
    expect(m).toMatchObject({ downtimeMs: 0, idleInDowntimeMs: 0, totalMs: 30, window: null });
    expect(m.atoms.every((a) => !a.inDowntime)).toBe(true);
  });

  it('counts a window with no atom at all in it as idle', () => {
    const m = measure([ev('VM_suspend', 0, 10, 'host-a'), ev('VM_unpause', 50, 60)], 0);
    expect(m.downtimeMs).toBe(50);
    expect(m.idleInDowntimeMs).toBe(40);
  });

  it('rounds to a tenth of a millisecond', () => {
    const m = measure([ev('VM_suspend', 0.01, 1.04, 'host-a'), ev('VM_unpause', 1.5, 3.37)], 0);
    expect(m.downtimeMs).toBe(2.3);
    expect(m.atoms[0]?.startMs).toBe(0);
  });
});

describe('coveredMs', () => {
  const iv = (startMs: number, endMs: number) => ({ startMs, endMs });

  it.each([
    ['nothing', [], 0, 100, 0],
    ['one interval inside', [iv(10, 20)], 0, 100, 10],
    ['clipped at both ends', [iv(-50, 150)], 0, 100, 100],
    ['entirely outside', [iv(-20, -10), iv(100, 120)], 0, 100, 0],
    ['zero length', [iv(30, 30)], 0, 100, 0],
    ['reversed interval', [iv(40, 30)], 0, 100, 0],
    ['overlapping, unsorted', [iv(30, 60), iv(10, 40)], 0, 100, 50],
    ['nested', [iv(10, 90), iv(20, 30), iv(40, 50)], 0, 100, 80],
    ['touching', [iv(0, 10), iv(10, 20)], 0, 100, 20],
    ['same interval twice', [iv(5, 15), iv(5, 15)], 0, 100, 10],
    ['disjoint', [iv(0, 10), iv(20, 25), iv(90, 200)], 0, 100, 25],
    ['empty window', [iv(0, 100)], 50, 50, 0],
    ['inverted window', [iv(0, 100)], 60, 40, 0],
  ] as const)('%s', (_name, intervals, from, to, expected) => {
    expect(coveredMs(intervals, from, to)).toBe(expected);
  });
});
