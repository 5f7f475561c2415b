// Measurements (docs/design.md §8), computed from the simulated hypervisors' own event timestamps, never
// from the orchestrator's clock.
import { atomNameSchema, phaseSchema } from './atoms';
import type { SimEvent } from './events';
import type { AtomTiming, MigrationResult } from './request';

export interface Measurement {
  downtimeMs: number;
  idleInDowntimeMs: number;
  totalMs: number;
  atoms: AtomTiming[];
  /** Absolute window, for tests and benchmarks; null when the VM never paused. */
  window: { startMs: number; endMs: number } | null;
}

interface Timed {
  startMs: number;
  endMs: number;
}
export type DowntimeWindow = Timed;

/** Downtime: from the source's VM_suspend to the next VM_unpause (destination, or source on rollback). */
function windowOf<T extends Timed>(items: readonly T[], name: (item: T) => string): DowntimeWindow | null {
  const suspend = items.find((i) => name(i) === 'VM_suspend');
  if (!suspend) return null;
  const unpause = items.find((i) => name(i) === 'VM_unpause' && i.endMs >= suspend.endMs);
  return unpause ? { startMs: suspend.endMs, endMs: unpause.endMs } : null;
}

/** The downtime window of one migration's events, in the hosts' absolute clock. */
export const downtimeWindow = (events: readonly SimEvent[]): DowntimeWindow | null => windowOf(events, (e) => e.op);

/** The same window read back from a result's atoms (ms relative to the workflow start), for reports. */
export const resultDowntimeWindow = (r: Pick<MigrationResult, 'atoms'>): DowntimeWindow | null =>
  windowOf(r.atoms, (a) => a.atom);

/** Length of the union of intervals, clipped to [from, to]. */
export function coveredMs(intervals: readonly { startMs: number; endMs: number }[], from: number, to: number): number {
  const clipped = intervals
    .map((i) => ({ s: Math.max(i.startMs, from), e: Math.min(i.endMs, to) }))
    .filter((i) => i.e > i.s)
    .sort((a, b) => a.s - b.s);
  let covered = 0;
  let reach = from;
  for (const { s, e } of clipped) {
    if (e <= reach) continue;
    covered += e - Math.max(s, reach);
    reach = e;
  }
  return covered;
}

const round = (ms: number) => Math.round(ms * 10) / 10;

/** `events` are one migration's, in log order; times in the result are relative to `originMs`. */
export function measure(events: readonly SimEvent[], originMs: number): Measurement {
  const atomEvents = events.filter((e) => atomNameSchema.safeParse(e.op).success);
  const window = downtimeWindow(atomEvents);
  const inWindow = (e: SimEvent) => window !== null && e.endMs > window.startMs && e.startMs < window.endMs;
  const atoms = atomEvents.map((e) => ({
    atom: atomNameSchema.parse(e.op),
    host: e.host,
    ...(e.device !== null ? { device: e.device } : {}),
    ...(phaseSchema.safeParse(e.phase).success ? { phase: phaseSchema.parse(e.phase) } : {}),
    startMs: round(e.startMs - originMs),
    endMs: round(e.endMs - originMs),
    inDowntime: inWindow(e),
  }));
  const downtimeMs = window ? window.endMs - window.startMs : 0;
  const idle = window ? downtimeMs - coveredMs(atomEvents, window.startMs, window.endMs) : 0;
  const lastEnd = Math.max(originMs, ...atomEvents.map((e) => e.endMs));
  return {
    downtimeMs: round(downtimeMs),
    idleInDowntimeMs: round(idle),
    totalMs: round(lastEnd - originMs),
    atoms,
    window,
  };
}

/**
 * Time inside a result's downtime window during which at least one VBD_attach ran: what a plan
 * puts on the downtime critical path by attaching there (docs/design.md §8, "downtime saved").
 */
export function attachOnDowntimePath(r: Pick<MigrationResult, 'atoms'>): number {
  const window = resultDowntimeWindow(r);
  if (!window) return 0;
  return coveredMs(
    r.atoms.filter((a) => a.atom === 'VBD_attach' && a.inDowntime),
    window.startMs,
    window.endMs,
  );
}
