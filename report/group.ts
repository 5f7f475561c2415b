// One migration's group of lanes: its header line, one lane per host, the downtime window
// shaded across all of them, and the atoms' bars.
import type { MigrationResult } from '../domain/request';
import { ms } from '../cli/format';
import { renderBar } from './bars';
import { GEOMETRY, type Group, type Lane, type Scale } from './layout';
import { el, esc, msText, title } from './svg';

export function headerLine(r: MigrationResult): string {
  const early = r.earlyAttached.length > 0 ? r.earlyAttached.join(', ') : 'none';
  return [
    `${r.vm}: ${r.from} → ${r.to}`,
    r.plan,
    r.outcome,
    `downtime ${ms(r.downtimeMs)} ms`,
    `idle ${ms(r.idleInDowntimeMs)} ms`,
    `total ${ms(r.totalMs)} ms`,
    `early-attached: ${early}`,
  ].join(' · ');
}

function renderHeader(g: Group): string {
  const r = g.result;
  const sub = `${r.workflowId}${r.reason ? ` — reason: ${r.reason}` : ''}`;
  return (
    el('text', { class: 'header', x: 8, y: g.y + 16 }, esc(headerLine(r))) +
    el('text', { class: 'subheader', x: 8, y: g.y + 31 }, esc(sub))
  );
}

function renderLane(lane: Lane, i: number): string {
  const bg = el('rect', {
    class: i % 2 ? 'lane-bg odd' : 'lane-bg',
    x: 0,
    y: lane.y,
    width: GEOMETRY.width,
    height: lane.height,
  });
  const label = el('text', { class: 'lane-label', x: 8, y: lane.y + 16 }, esc(`${lane.host} (${lane.role})`));
  return el('g', { class: 'lane', 'data-host': lane.host, 'data-role': lane.role }, bg + label);
}

/** The window exactly as domain/measure.ts defines it; absent when the VM never paused. */
function renderDowntime(g: Group, scale: Scale): string {
  if (!g.window) return '';
  const { startMs, endMs } = g.window;
  const x = scale.x(startMs);
  const box = { x, y: g.lanesY, width: scale.x(endMs) - x, height: g.y + g.height - g.lanesY };
  const hover = title([
    `downtime window ${msText(endMs - startMs)}`,
    `from the end of VM_suspend (${msText(startMs)}) to the end of VM_unpause (${msText(endMs)})`,
  ]);
  return el(
    'g',
    { class: 'downtime-window' },
    el('rect', { class: 'downtime', ...box, 'data-start': startMs, 'data-end': endMs }, hover),
  );
}

export function renderGroup(g: Group, scale: Scale): string {
  const lanes = g.lanes.map(renderLane).join('');
  const bars = g.lanes.flatMap((lane) => lane.atoms.map((p) => renderBar(p, lane, scale, g.result))).join('');
  return el(
    'g',
    { class: 'migration', 'data-workflow-id': g.result.workflowId, 'data-plan': g.result.plan },
    renderHeader(g) + lanes + renderDowntime(g, scale) + bars,
  );
}
