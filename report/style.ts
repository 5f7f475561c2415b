// Colours and the page's inline style sheet: the report is one file with no external resource.
import type { Phase } from '../domain/atoms';

/** One colour per plan phase (colour-blind-safe Tableau 10 hues); atoms without a phase are grey. */
export const PHASE_COLOURS: Record<Phase | 'none', string> = {
  prepare: '#4e79a7',
  precopy: '#59a14f',
  downtime: '#e15759',
  cleanup: '#9c755f',
  rollback: '#b07aa1',
  none: '#8c8c8c',
};

export const EARLY_COLOUR = '#f28e2b';
export const DOWNTIME_FILL = 'rgba(225, 87, 89, 0.16)';

export const CSS = `
body { font: 14px/1.4 system-ui, 'DejaVu Sans', sans-serif; color: #222; margin: 24px; background: #fff; }
h1 { font-size: 20px; margin: 0 0 6px; }
p.note { color: #555; margin: 0 0 12px; max-width: 1280px; }
ul.legend { list-style: none; padding: 0; margin: 0 0 12px; display: flex; flex-wrap: wrap; gap: 6px 18px; }
ul.legend li { display: flex; align-items: center; gap: 6px; }
svg.timeline { display: block; font-family: system-ui, 'DejaVu Sans', sans-serif; }
svg.timeline .tick line { stroke: #e4e4e4; }
svg.timeline .tick text { font-size: 11px; fill: #666; }
svg.timeline .header { font-size: 13px; font-weight: 600; fill: #222; }
svg.timeline .subheader { font-size: 11px; fill: #777; }
svg.timeline .lane-bg { fill: #f6f6f6; }
svg.timeline .lane-bg.odd { fill: #fbfbfb; }
svg.timeline .lane-label { font-size: 12px; fill: #333; }
svg.timeline .downtime { fill: ${DOWNTIME_FILL}; stroke: #e15759; stroke-dasharray: 4 3; }
svg.timeline .bar rect { stroke: rgba(0, 0, 0, 0.25); stroke-width: 0.5; }
svg.timeline .bar.early rect { stroke: ${EARLY_COLOUR}; stroke-width: 2.5; }
svg.timeline .bar .early-mark { fill: ${EARLY_COLOUR}; }
svg.timeline .bar text { font-size: 10px; fill: #fff; pointer-events: none; }
svg.timeline .bar:hover rect { stroke: #000; stroke-width: 2; }
`;
