// The --watch views (pure) and the plain renderer: what a terminal, a log file and CI are shown.
import { describe, expect, it } from 'vitest';
import { evacuationView, FINISHED_TAIL } from '../../cli/watch/evacuation-view';
import { bar, type Frame } from '../../cli/watch/frame';
import { migrationView } from '../../cli/watch/migration-view';
import { plainRenderer } from '../../cli/watch/render';
import type { Progress } from '../../workflows/definitions';
import type { EvacuatedVm, EvacuationProgress } from '../../workflows/evacuation-definitions';

const T0 = 1_700_000_000_000;

function progress(over: Partial<Progress> = {}): Progress {
  return {
    phase: 'precopy',
    plan: 'early-attach',
    atomsDone: 7,
    atomsTotal: 15,
    abortRequested: null,
    outcome: null,
    vbds: [
      { device: 'xvda', early: true, reason: 'smapiv3', state: 'VBD_attach' },
      { device: 'xvdc', early: false, reason: 'smapiv1', state: 'pending' },
    ],
    timeline: [],
    memory: { totalMiB: 297, copiedMiB: 0 },
    downtimeMs: null,
    ...over,
  };
}

const text = (f: Frame) => f.lines.join('\n');

describe('migrationView', () => {
  it('shows phase, plan, atoms n/m, memory copied, disks and elapsed', () => {
    const f = migrationView(progress(), T0 + 3_240, T0);
    expect(text(f)).toMatch(/phase\s+precopy\s+\(early-attach\)/);
    expect(text(f)).toMatch(/atoms\s+7\/15\s+█+░+/);
    expect(text(f)).toMatch(/memory\s+0\/297 MiB\s+░{20}/);
    expect(text(f)).toMatch(/disks\s+xvda \(early\) VBD_attach · xvdc \(late\) pending/);
    expect(text(f)).toMatch(/elapsed\s+3\.2 s/);
    expect(text(f)).not.toMatch(/downtime|outcome|abort/);
  });

  it('shows downtime and outcome once known, and an abort request', () => {
    const done = progress({
      phase: 'done',
      atomsDone: 15,
      outcome: 'migrated',
      downtimeMs: 141.6,
      memory: { totalMiB: 297, copiedMiB: 297 },
    });
    const f = migrationView(done, T0 + 5_000, T0);
    expect(text(f)).toMatch(/memory\s+297\/297 MiB\s+█{20}/);
    expect(text(f)).toMatch(/downtime\s+142 ms/);
    expect(text(f)).toMatch(/outcome\s+migrated/);
    expect(text(migrationView(progress({ abortRequested: 'maintenance' }), T0, T0))).toMatch(
      /abort\s+requested: maintenance/,
    );
  });

  it('has one plain line with the same figures, stamped with the elapsed time', () => {
    const [line, ...rest] = migrationView(progress({ downtimeMs: 90, outcome: 'rolled-back' }), T0 + 12_000, T0).plain;
    expect(rest).toEqual([]);
    expect(line!.text).toBe('  12.0 s  precopy    atoms 7/15  memory 0/297 MiB  downtime 90 ms  rolled-back');
    expect(line!.state).toBe(line!.text.slice(10));
  });

  it('says memory is unknown before the plan and for a worker without the field', () => {
    const old: Progress = progress();
    delete old.memory;
    delete old.downtimeMs;
    expect(text(migrationView(progress({ memory: null, vbds: [] }), T0, T0))).toMatch(/memory\s+—/);
    expect(migrationView(old, T0, T0).plain[0]!.text).not.toMatch(/memory/);
  });
});

describe('bar', () => {
  it('fills in proportion, never beyond its width, and stays empty for an empty total', () => {
    expect(bar(5, 10, 10)).toBe('█████░░░░░');
    expect(bar(12, 10, 4)).toBe('████');
    expect(bar(0, 0, 4)).toBe('░░░░');
  });
});

function finished(vm: string, over: Partial<EvacuatedVm> = {}): EvacuatedVm {
  return {
    vm,
    to: 'host-b',
    plan: 'early-attach',
    outcome: 'migrated',
    workflowId: `migrate-${vm}`,
    earlyAttached: ['xvda'],
    disks: 1,
    downtimeMs: 120,
    startedAt: T0,
    endedAt: T0 + 4_000,
    ...over,
  };
}

function evacuation(over: Partial<EvacuationProgress> = {}): EvacuationProgress {
  return {
    host: 'host-a',
    phase: 'migrating',
    caps: { perSource: 2, perDestination: 2, pool: 5 },
    abortRequested: null,
    total: 5,
    pending: ['vm-5'],
    running: [
      { vm: 'vm-3', to: 'host-b', workflowId: 'migrate-3', startedAt: T0 + 1_000 },
      { vm: 'vm-4', to: 'host-c', workflowId: 'migrate-4', startedAt: T0 + 2_000 },
    ],
    finished: [
      finished('vm-1'),
      finished('vm-2', { to: null, outcome: 'skipped', downtimeMs: null, reason: 'no room' }),
    ],
    runs: 1,
    ...over,
  };
}

describe('evacuationView', () => {
  const children = new Map<string, Progress | null>([
    ['migrate-3', progress()],
    ['migrate-4', null],
  ]);

  it('has a header with host, phase, caps and done/total', () => {
    const [head, caps] = evacuationView(evacuation(), children, T0 + 6_000, T0).lines;
    expect(head).toMatch(/^evacuate host-a\s+migrating\s+done 2\/5\s+running 2\s+pending 1\s+6\.0 s$/);
    expect(caps).toBe('caps 2 per source · 2 per destination · 2+3 per pool'.replace('2+3', '5'));
  });

  it('has a row per running VM with its own phase, atoms and memory, or "starting" before it answers', () => {
    const lines = evacuationView(evacuation(), children, T0 + 6_000, T0).lines;
    expect(lines.find((l) => l.includes('vm-3'))).toMatch(
      /vm-3 → host-b\s+precopy\s+atoms 7\/15\s+[█░]{10}\s+memory [█░]{10} 0\/297 MiB\s+5\.0 s$/,
    );
    expect(lines.find((l) => l.includes('vm-4'))).toMatch(/vm-4 → host-c\s+starting\s+4\.0 s$/);
    expect(lines).toContain('pending vm-5');
  });

  it('shows a migration started ahead as waiting for a slot, then with the destination its slot brought', () => {
    const ahead = evacuation({
      running: [{ vm: 'vm-5', to: null, workflowId: 'migrate-5', startedAt: T0 + 1_000 }],
    });
    const waiting = new Map([['migrate-5', progress({ phase: 'precheck', plan: null, waitingForSlot: true })]]);
    const [row] = evacuationView(ahead, waiting, T0 + 3_000, T0).lines.filter((l) => l.includes('vm-5'));
    expect(row).toMatch(/vm-5 → —\s+waiting for a slot\s+2\.0 s$/);
    // Its first answer may come before its first ask: no plan, no destination yet.
    const beforeAsk = new Map([['migrate-5', progress({ phase: 'precheck', plan: null, waitingForSlot: false })]]);
    const [early] = evacuationView(ahead, beforeAsk, T0 + 3_000, T0).lines.filter((l) => l.includes('vm-5'));
    expect(early).toMatch(/vm-5 → —\s+waiting for a slot\s+2\.0 s$/);
    const granted = new Map([['migrate-5', progress({ to: 'host-c', waitingForSlot: false })]]);
    const view = evacuationView(ahead, granted, T0 + 3_000, T0);
    expect(view.lines.find((l) => l.includes('vm-5'))).toMatch(/vm-5 → host-c\s+precopy/);
    expect(view.plain.find((l) => l.text.includes('vm-5'))?.text).toMatch(/vm-5 → host-c\s+precopy/);
  });

  it('has a tail of finished VMs with outcome and downtime, the older ones counted', () => {
    const lines = evacuationView(evacuation(), children, T0, T0).lines;
    expect(lines).toContain('  vm-1 → host-b  migrated  downtime 120 ms');
    expect(lines).toContain('  vm-2 → —  skipped  (no room)');
    const many = Array.from({ length: FINISHED_TAIL + 3 }, (_, i) => finished(`vm-${i}`));
    const long = evacuationView(evacuation({ finished: many, running: [] }), new Map(), T0, T0).lines;
    expect(long).toContain('  … 3 earlier');
    expect(long.filter((l) => l.endsWith('→ host-b  migrated  downtime 120 ms'))).toHaveLength(FINISHED_TAIL);
  });

  it('shows an abort request and the run count after a continue-as-new', () => {
    const lines = evacuationView(evacuation({ abortRequested: 'storm', runs: 3 }), children, T0, T0).lines;
    expect(lines[1]).toMatch(/\(run 3\)$/);
    expect(lines).toContain('abort requested: storm (running migrations finish)');
  });

  it('has plain lines for the evacuation, each running VM and each finished VM', () => {
    const plain = evacuationView(evacuation(), children, T0 + 6_000, T0).plain;
    expect(plain.map((l) => l.key)).toEqual(['evacuation', 'run migrate-3', 'run migrate-4', 'end 0', 'end 1']);
    expect(plain[1]!.text).toBe('   6.0 s  vm-3 → host-b  precopy    atoms 7/15  memory 0/297 MiB');
    expect(plain[2]!.state).toBe('vm-4 → host-c  starting');
  });
});

describe('plainRenderer (stdout not a TTY)', () => {
  const ESC = String.fromCharCode(0x1b);

  function render(frames: Frame[]): string[] {
    const out: string[] = [];
    const r = plainRenderer((line) => out.push(line));
    frames.forEach((f) => r.draw(f));
    r.done();
    return out;
  }

  it('prints one line per change: the clock alone is no change', () => {
    const out = render([
      migrationView(progress({ phase: 'prepare', atomsDone: 1 }), T0 + 100, T0),
      migrationView(progress({ phase: 'prepare', atomsDone: 1 }), T0 + 350, T0),
      migrationView(progress({ phase: 'prepare', atomsDone: 3 }), T0 + 600, T0),
      migrationView(progress({ phase: 'precopy', atomsDone: 5 }), T0 + 900, T0),
      migrationView(progress({ phase: 'precopy', atomsDone: 5 }), T0 + 1_100, T0),
    ]);
    expect(out).toEqual([
      '   0.1 s  prepare    atoms 1/15  memory 0/297 MiB',
      '   0.6 s  prepare    atoms 3/15  memory 0/297 MiB',
      '   0.9 s  precopy    atoms 5/15  memory 0/297 MiB',
    ]);
    expect(out.join('')).not.toContain(ESC);
  });

  it('prints only what changed in an evacuation: the header, a running VM, a VM that finished', () => {
    const children = new Map([['migrate-3', progress()]]);
    const one = evacuation({ running: [evacuation().running[0]!], finished: [] });
    const out = render([
      evacuationView(one, children, T0, T0),
      evacuationView(one, new Map([['migrate-3', progress({ atomsDone: 8 })]]), T0 + 200, T0),
      evacuationView({ ...one, running: [], finished: [finished('vm-3')] }, new Map(), T0 + 500, T0),
    ]);
    expect(out).toEqual([
      '   0.0 s  evacuate host-a  migrating  done 0/5  running 1  pending 1',
      '   0.0 s  vm-3 → host-b  precopy    atoms 7/15  memory 0/297 MiB',
      '   0.2 s  vm-3 → host-b  precopy    atoms 8/15  memory 0/297 MiB',
      '   0.5 s  evacuate host-a  migrating  done 1/5  running 0  pending 1',
      '   0.5 s  vm-3 → host-b  migrated  downtime 120 ms',
    ]);
    expect(out.join('')).not.toContain(ESC);
  });
});
