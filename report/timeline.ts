// The migration timeline report: one self-contained HTML page (inline CSS, inline SVG, no script)
// with every migration's atoms on one shared time axis, so early attach and legacy can be
// compared side by side. Pure: results in, markup out.
import type { Phase } from '../domain/atoms';
import type { MigrationResult } from '../domain/request';
import { renderGroup } from './group';
import { GEOMETRY, layOut, ticks, type Layout } from './layout';
import { CSS, DOWNTIME_FILL, EARLY_COLOUR, PHASE_COLOURS } from './style';
import { el, esc } from './svg';

export interface TimelineOptions {
  title?: string;
  /** Shown under the title (e.g. when the report was made); omitted when absent. */
  subtitle?: string;
}

function renderAxis(layout: Layout): string {
  const bottom = layout.height - GEOMETRY.bottomPad;
  return ticks(layout.scale.spanMs)
    .map((t) => {
      const x = layout.scale.x(t);
      const line = el('line', { x1: x, x2: x, y1: GEOMETRY.axisHeight - 6, y2: bottom });
      const label = el('text', { x, y: GEOMETRY.axisHeight - 10, 'text-anchor': 'middle' }, `${t} ms`);
      return el('g', { class: 'tick' }, line + label);
    })
    .join('');
}

const swatch = (style: string, label: string): string =>
  el(
    'li',
    {},
    `<svg width="22" height="14" aria-hidden="true"><rect x="1" y="1" width="20" height="12" style="${esc(style)}"/></svg>${esc(label)}`,
  );

function renderLegend(): string {
  const phases = (Object.keys(PHASE_COLOURS) as (Phase | 'none')[]).filter((p) => p !== 'none');
  return el(
    'ul',
    { class: 'legend' },
    [
      ...phases.map((p) => swatch(`fill:${PHASE_COLOURS[p]}`, `${p} phase`)),
      swatch(`fill:${DOWNTIME_FILL};stroke:#e15759;stroke-dasharray:4 3`, 'downtime window (VM paused)'),
      swatch(`fill:${PHASE_COLOURS.prepare};stroke:${EARLY_COLOUR};stroke-width:2.5`, 'disk attached early (▲)'),
    ].join(''),
  );
}

const NOTE =
  'One group of lanes per migration, one lane per host; every migration starts at 0 ms on the shared axis. ' +
  'The shaded window runs from the end of the source’s VM_suspend to the end of the VM_unpause that resumes the VM, ' +
  'as the hosts measured them. Hover over a bar for its host, device, phase and times.';

export function renderTimeline(results: readonly MigrationResult[], o: TimelineOptions = {}): string {
  const layout = layOut(results);
  const heading = o.title ?? 'liveshift migration timeline';
  const svg = el(
    'svg',
    {
      class: 'timeline',
      xmlns: 'http://www.w3.org/2000/svg',
      width: layout.width,
      height: layout.height,
      viewBox: `0 0 ${layout.width} ${layout.height}`,
    },
    renderAxis(layout) + layout.groups.map((g) => renderGroup(g, layout.scale)).join(''),
  );
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${esc(heading)}</title><style>${CSS}</style></head><body>`,
    el('h1', {}, esc(heading)),
    o.subtitle ? el('p', { class: 'note' }, esc(o.subtitle)) : '',
    el('p', { class: 'note' }, esc(NOTE)),
    renderLegend(),
    results.length > 0 ? svg : el('p', {}, 'No migrations to show.'),
    '</body></html>',
    '',
  ].join('\n');
}
