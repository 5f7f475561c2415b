// The HTML timeline renderer (report/): lanes, bars, the downtime window as domain/measure.ts
// measures it, early-attach markers, escaping, and one shared axis for several migrations.
import { describe, expect, it } from 'vitest';
import type { SimEvent } from '../../domain/events';
import { measure } from '../../domain/measure';
import type { MigrationResult, PlanKind } from '../../domain/request';
import { sharedScale } from '../../report/layout';
import { renderTimeline } from '../../report/timeline';

let seq = 0;
type Ev = [op: string, host: string, startMs: number, endMs: number, phase: string, device?: string];
const ev = ([op, host, startMs, endMs, phase, device]: Ev): SimEvent => ({
  ...{ seq: ++seq, host, op, vmUuid: 'u', domId: 'u', device: device ?? null, vdi: device ?? null },
  ...{ mode: device ? 'RW' : null, migrationId: 'm', startMs, endMs, detail: null, phase },
});

const ORIGIN = 50_000;
/** One migration host-a → host-b as the hosts log it (absolute ms); the legacy plan attaches in the window. */
function events(plan: PlanKind, o = ORIGIN): SimEvent[] {
  const attachEarly = plan === 'early-attach';
  const d = attachEarly ? 0 : 1200; // what the legacy plan's attach in the window adds
  const list: Ev[] = [
    ['VM_create', 'host-b', o, o + 150, 'prepare'],
    ['VIF_plug', 'host-b', o + 150, o + 450, 'prepare'],
    ...(attachEarly ? [['VBD_attach', 'host-b', o + 450, o + 1650, 'prepare', 'xvda'] as Ev] : []),
    ['VM_precopy', 'host-a', o + 1650, o + 2500, 'precopy'],
    ['VM_suspend', 'host-a', o + 2500, o + 2530, 'downtime'],
    ['VM_memory_final', 'host-a', o + 2530, o + 2600, 'downtime'],
    ['VBD_deactivate', 'host-a', o + 2600, o + 2640, 'downtime', 'xvda'],
    ...(attachEarly ? [] : [['VBD_attach', 'host-b', o + 2640, o + 3840, 'downtime', 'xvda'] as Ev]),
    ['VBD_attach', 'host-b', o + 2640, o + 2990, 'downtime', 'xvdc'], // SMAPIv1: never early
    ['VBD_activate', 'host-b', o + d + 2645, o + d + 2705, 'downtime', 'xvda'],
    ['VM_unpause', 'host-b', o + d + 2705, o + d + 2725, 'downtime'],
    ['VBD_detach', 'host-a', o + d + 2725, o + d + 3025, 'cleanup', 'xvda'],
  ];
  return list.map(ev);
}

function result(plan: PlanKind, extra: Partial<MigrationResult> = {}): MigrationResult {
  const m = measure(events(plan), ORIGIN);
  return {
    ...{ workflowId: `migrate-u-${plan}`, vm: 'vm-1', vmUuid: 'u', from: 'host-a', to: 'host-b', plan },
    ...{ outcome: 'migrated', downtimeMs: m.downtimeMs, idleInDowntimeMs: m.idleInDowntimeMs, totalMs: m.totalMs },
    ...{ earlyAttached: plan === 'early-attach' ? ['xvda'] : [], atoms: m.atoms },
    ...extra,
  };
}

/** The attributes of every opening tag whose class list starts with `cls`. */
function tags(html: string, cls: string): Record<string, string>[] {
  return [...html.matchAll(new RegExp(`<\\w+ class="${cls}(?: [^"]*)?"([^>]*)>`, 'g'))].map((m) => ({
    class: /class="([^"]*)"/.exec(m[0])![1]!,
    ...Object.fromEntries([...m[1]!.matchAll(/([\w-]+)="([^"]*)"/g)].map((a): [string, string] => [a[1]!, a[2]!])),
  }));
}
const groups = (html: string) => html.split('<g class="migration"').slice(1);

describe('renderTimeline', () => {
  it('is one self-contained page: no script, no external resource', () => {
    const html = renderTimeline([result('early-attach')]);
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain('<style>');
    expect(html).not.toMatch(/<script|<link|src=|href=|url\(|@import/i);
  });

  it('draws one lane per host, source first, and a host outside the pair as another lane', () => {
    const r = result('early-attach');
    const third = { ...r.atoms[0]!, host: 'host-c', atom: 'VM_destroy' as const };
    const lanes = tags(renderTimeline([{ ...r, atoms: [...r.atoms, third] }]), 'lane');
    expect(lanes.map((l) => [l['data-host'], l['data-role']])).toEqual([
      ['host-a', 'source'],
      ['host-b', 'destination'],
      ['host-c', 'other'],
    ]);
  });

  it('draws one bar per atom, on its host, with its times and hover details', () => {
    const r = result('legacy');
    const html = renderTimeline([r]);
    const bars = tags(html, 'bar');
    expect(bars).toHaveLength(r.atoms.length);
    const key = (a: { atom?: string; host?: string; device?: string; start?: string }) => JSON.stringify(a);
    expect(
      bars
        .map((b) =>
          key({ atom: b['data-atom'], host: b['data-host'], device: b['data-device'], start: b['data-start'] }),
        )
        .sort(),
    ).toEqual(
      r.atoms.map((a) => key({ atom: a.atom, host: a.host, device: a.device, start: String(a.startMs) })).sort(),
    );
    expect(html).toContain(
      '<title>VBD_attach xvda\nhost: host-b\ndevice: xvda\nphase: downtime (inside the downtime window)\nstart 2640.0 ms, end 3840.0 ms\nduration 1200.0 ms</title>',
    );
  });

  it('shades the downtime window exactly where domain/measure.ts puts it', () => {
    for (const plan of ['early-attach', 'legacy'] as const) {
      const r = result(plan);
      const measured = measure(events(plan), ORIGIN).window!;
      const [shade, ...more] = tags(renderTimeline([r]), 'downtime');
      expect(more).toEqual([]);
      expect(Number(shade!['data-start'])).toBe(measured.startMs - ORIGIN); // end of VM_suspend
      expect(Number(shade!['data-end'])).toBe(measured.endMs - ORIGIN); // end of VM_unpause
      expect(Number(shade!['data-end']) - Number(shade!['data-start'])).toBe(r.downtimeMs);
      const x = sharedScale([r]).x;
      expect(Number(shade!.x)).toBeCloseTo(x(2530), 1);
      expect(Number(shade!.width)).toBeCloseTo(x(plan === 'legacy' ? 3925 : 2725) - x(2530), 1);
    }
  });

  it('draws no window for a migration that never paused', () => {
    const r = result('early-attach');
    const unpaused = { ...r, outcome: 'rolled-back' as const, atoms: r.atoms.filter((a) => a.phase === 'prepare') };
    expect(tags(renderTimeline([unpaused]), 'downtime')).toEqual([]);
  });

  it('marks only the prepare-phase attaches of early-attached devices', () => {
    const early = tags(renderTimeline([result('early-attach')]), 'bar').filter((b) => b.class === 'bar early');
    expect(early.map((b) => [b['data-atom'], b['data-device'], b['data-phase']])).toEqual([
      ['VBD_attach', 'xvda', 'prepare'],
    ]);
    // Legacy attaches xvda inside the window: no marker, even were xvda listed as early.
    const legacy = renderTimeline([result('legacy', { earlyAttached: ['xvda'] })]);
    expect(tags(legacy, 'bar').filter((b) => b.class === 'bar early')).toEqual([]);
    expect(legacy).not.toContain('class="early-mark"');
  });

  it('escapes every text and attribute', () => {
    const evil = '<script>alert("x")</script> & \'q\'';
    const r = result('early-attach', { vm: evil, workflowId: `wf"${evil}`, reason: evil });
    const html = renderTimeline([
      { ...r, atoms: r.atoms.map((a) => (a.device ? { ...a, device: `"${a.device}<` } : a)) },
    ]);
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('"xvda<');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;');
    expect(html).toContain('data-device="&quot;xvda&lt;"');
  });

  it('puts two migrations on one time axis, each aligned at its own start, with a header line each', () => {
    const [early, legacy] = [result('early-attach'), result('legacy')];
    const html = renderTimeline([early, legacy]);
    const scale = sharedScale([early, legacy]);
    expect(scale.spanMs).toBe(legacy.totalMs); // the longer migration sizes the axis
    const [g1, g2] = groups(html);
    // A bar's x is its start on the shared scale, in either group.
    const barX = (g: string, atom: string) =>
      Number(/<rect x="([\d.]+)"/.exec(g.slice(g.indexOf(`data-atom="${atom}"`)))![1]);
    for (const atom of ['VM_create', 'VM_suspend', 'VM_unpause'])
      for (const [g, r] of [
        [g1!, early],
        [g2!, legacy],
      ] as const)
        expect(barX(g, atom)).toBeCloseTo(scale.x(r.atoms.find((a) => a.atom === atom)!.startMs), 1);
    expect(barX(g1!, 'VM_suspend')).toBe(barX(g2!, 'VM_suspend'));
    expect(barX(g1!, 'VM_unpause')).toBeLessThan(barX(g2!, 'VM_unpause'));
    expect(html.match(/<g class="tick"/g)!.length).toBeGreaterThan(3);
    expect(groups(html).join('')).not.toContain('class="tick"'); // one axis, drawn once
    expect(html).toContain(
      'vm-1: host-a → host-b · early-attach · migrated · downtime 195 ms · idle 0 ms · total 3025 ms · early-attached: xvda',
    );
    expect(html).toContain(
      'vm-1: host-a → host-b · legacy · migrated · downtime 1395 ms · idle 5 ms · total 4225 ms · early-attached: none',
    );
  });
});
