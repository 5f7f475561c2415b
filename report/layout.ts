// Geometry of the timeline: one shared time axis for all migrations (each aligned at its own
// workflow start), a group of lanes per migration, one lane per host, and inside a lane as many
// rows as the host ran atoms at once (parallel VBD_attach), so no bar hides another.
import type { AtomTiming, MigrationResult } from '../domain/request';
import { resultDowntimeWindow, type DowntimeWindow } from '../domain/measure';

export const GEOMETRY = {
  width: 1280,
  gutter: 170, // lane labels, left of the plot
  rightPad: 24,
  axisHeight: 30,
  headerHeight: 40,
  rowHeight: 18,
  barHeight: 14,
  lanePad: 4,
  groupGap: 18,
  bottomPad: 24,
} as const;

export type Role = 'source' | 'destination' | 'other';

export interface PlacedAtom {
  atom: AtomTiming;
  /** Row inside the lane. */
  row: number;
}

export interface Lane {
  host: string;
  role: Role;
  y: number;
  height: number;
  atoms: PlacedAtom[];
}

export interface Group {
  result: MigrationResult;
  y: number;
  /** Top of the first lane (below the header). */
  lanesY: number;
  height: number;
  lanes: Lane[];
  window: DowntimeWindow | null;
}

export interface Scale {
  spanMs: number;
  x: (ms: number) => number;
}

export interface Layout {
  width: number;
  height: number;
  scale: Scale;
  groups: Group[];
}

/** The time scale every migration shares: 0 at the left edge of the plot, the longest one at the right. */
export function sharedScale(results: readonly MigrationResult[]): Scale {
  const ends = results.flatMap((r) => [r.totalMs, ...r.atoms.map((a) => a.endMs)]);
  const spanMs = Math.max(1, ...ends);
  const plot = GEOMETRY.width - GEOMETRY.gutter - GEOMETRY.rightPad;
  return { spanMs, x: (ms) => GEOMETRY.gutter + (Math.max(0, ms) / spanMs) * plot };
}

/** Source first, then destination, then any other host in the order its first atom ran. */
export function hostsOf(r: MigrationResult): { host: string; role: Role }[] {
  const others = r.atoms.map((a) => a.host).filter((h) => h !== r.from && h !== r.to);
  return [
    { host: r.from, role: 'source' as const },
    { host: r.to, role: 'destination' as const },
    ...[...new Set(others)].map((host) => ({ host, role: 'other' as const })),
  ];
}

/** Greedy interval packing: each atom goes to the first row that is free at its start. */
export function packRows(atoms: readonly AtomTiming[]): PlacedAtom[] {
  const rowEnds: number[] = [];
  return [...atoms]
    .sort((a, b) => a.startMs - b.startMs || a.endMs - b.endMs)
    .map((atom) => {
      let row = rowEnds.findIndex((end) => end <= atom.startMs);
      if (row < 0) row = rowEnds.push(atom.endMs) - 1;
      else rowEnds[row] = atom.endMs;
      return { atom, row };
    });
}

function groupOf(result: MigrationResult, y: number): Group {
  const { headerHeight, rowHeight, lanePad } = GEOMETRY;
  let laneY = y + headerHeight;
  const lanes = hostsOf(result).map(({ host, role }) => {
    const atoms = packRows(result.atoms.filter((a) => a.host === host));
    const rows = Math.max(1, ...atoms.map((p) => p.row + 1));
    const lane = { host, role, y: laneY, height: rows * rowHeight + 2 * lanePad, atoms };
    laneY += lane.height;
    return lane;
  });
  const window = resultDowntimeWindow(result);
  return { result, y, lanesY: y + headerHeight, height: laneY - y, lanes, window };
}

export function layOut(results: readonly MigrationResult[]): Layout {
  const scale = sharedScale(results);
  const groups: Group[] = [];
  let y = GEOMETRY.axisHeight;
  for (const r of results) {
    const g = groupOf(r, y);
    groups.push(g);
    y += g.height + GEOMETRY.groupGap;
  }
  return { width: GEOMETRY.width, height: y + GEOMETRY.bottomPad, scale, groups };
}

/** Axis ticks every 1, 2 or 5 × 10^k ms: about ten across the span. */
export function ticks(spanMs: number): number[] {
  const raw = spanMs / 10;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? 10 * pow;
  const out: number[] = [];
  for (let t = 0; t <= spanMs + 1e-9; t += step) out.push(Math.round(t * 1000) / 1000);
  return out;
}
