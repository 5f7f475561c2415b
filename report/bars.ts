// One atom as a bar in its host's lane: coloured by phase, labelled when the label fits, with the
// details on hover; a disk attached early (before the suspend) carries a marker.
import type { AtomTiming, MigrationResult } from '../domain/request';
import { GEOMETRY, type Lane, type PlacedAtom, type Scale } from './layout';
import { PHASE_COLOURS } from './style';
import { el, esc, msText, num, title } from './svg';

/** Visible however short the atom: a 5 ms atom of a 5 s migration would be a hairline. */
const MIN_BAR_WIDTH = 2;
/** Rough width of one character of the 10 px label, to decide whether the label fits. */
const CHAR_WIDTH = 6;

export const atomLabel = (a: AtomTiming): string => (a.device ? `${a.atom} ${a.device}` : a.atom);

/**
 * A VBD_attach of a device the plan attached early, run before the suspend (the prepare phase) —
 * not a legacy attach of the same device inside the window, nor a rollback's re-attach.
 */
export function isEarlyAttach(a: AtomTiming, r: Pick<MigrationResult, 'earlyAttached'>): boolean {
  if (a.atom !== 'VBD_attach' || a.device === undefined || !r.earlyAttached.includes(a.device)) return false;
  return a.phase !== undefined ? a.phase === 'prepare' : !a.inDowntime;
}

function hover(a: AtomTiming, early: boolean): string {
  return title([
    atomLabel(a),
    `host: ${a.host}`,
    ...(a.device ? [`device: ${a.device}`] : []),
    `phase: ${a.phase ?? 'unknown'}${a.inDowntime ? ' (inside the downtime window)' : ''}`,
    `start ${msText(a.startMs)}, end ${msText(a.endMs)}`,
    `duration ${msText(a.endMs - a.startMs)}`,
    ...(early ? ['early attach: before the suspend, off the downtime path'] : []),
  ]);
}

export function renderBar(p: PlacedAtom, lane: Lane, scale: Scale, r: MigrationResult): string {
  const a = p.atom;
  const early = isEarlyAttach(a, r);
  const x = scale.x(a.startMs);
  const width = Math.max(MIN_BAR_WIDTH, scale.x(a.endMs) - x);
  const y = lane.y + GEOMETRY.lanePad + p.row * GEOMETRY.rowHeight;
  const label = atomLabel(a);
  const rect = el('rect', { x, y, width, height: GEOMETRY.barHeight, fill: PHASE_COLOURS[a.phase ?? 'none'] });
  const text =
    label.length * CHAR_WIDTH + 6 <= width ? el('text', { x: x + 3, y: y + GEOMETRY.barHeight - 3.5 }, esc(label)) : '';
  // A small triangle above the bar's start: visible even where the bar itself is too narrow to tell.
  const mark = early ? el('path', { class: 'early-mark', d: `M${num(x)} ${num(y)}l-4 -4h8z` }) : '';
  return el(
    'g',
    {
      class: early ? 'bar early' : 'bar',
      'data-atom': a.atom,
      'data-host': a.host,
      'data-device': a.device,
      'data-phase': a.phase,
      'data-start': a.startMs,
      'data-end': a.endMs,
    },
    hover(a, early) + rect + text + mark,
  );
}
