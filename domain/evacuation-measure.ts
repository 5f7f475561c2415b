// What an evacuation did, read from the hosts' own event log (never the orchestrator's clock): each
// migration's span on the hosts, and the most migrations that ever ran at once — per source, per
// destination and in the pool — which the caps must bound.
import type { SimEvent } from './events';

export interface MigrationSpan {
  migrationId: string;
  vmUuid: string;
  source: string;
  destination: string;
  startMs: number;
  endMs: number;
}

/** Who moved where: the evacuation's own record of each migration it started. */
export interface Moved {
  vmUuid: string;
  source: string;
  destination: string;
}

/** A span per migration of the given VMs: from its first atom's start to its last event (the end marker). */
export function migrationSpans(events: readonly SimEvent[], moved: readonly Moved[]): MigrationSpan[] {
  const byVm = new Map(moved.map((m) => [m.vmUuid, m]));
  const spans = new Map<string, MigrationSpan>();
  for (const e of events) {
    const m = byVm.get(e.vmUuid);
    if (!m || e.migrationId === null) continue;
    const span = spans.get(e.migrationId) ?? {
      ...m,
      migrationId: e.migrationId,
      startMs: e.startMs,
      endMs: e.endMs,
    };
    span.startMs = Math.min(span.startMs, e.startMs);
    // The end marker is written last; atoms of a cleanup still running are covered by the max.
    span.endMs = Math.max(span.endMs, e.endMs);
    spans.set(e.migrationId, span);
  }
  return [...spans.values()];
}

/** The most spans open at one instant (an end and a start at the same instant do not overlap). */
export function peakOverlap(spans: readonly MigrationSpan[]): number {
  const edges = spans.flatMap((s) => [
    { at: s.startMs, d: 1 },
    { at: s.endMs, d: -1 },
  ]);
  edges.sort((a, b) => a.at - b.at || a.d - b.d);
  let open = 0;
  let peak = 0;
  for (const e of edges) peak = Math.max(peak, (open += e.d));
  return peak;
}

export interface PeakConcurrency {
  pool: number;
  perSource: Record<string, number>;
  perDestination: Record<string, number>;
}

export function peakConcurrency(spans: readonly MigrationSpan[]): PeakConcurrency {
  const per = (key: 'source' | 'destination') => {
    const hosts = [...new Set(spans.map((s) => s[key]))].sort();
    return Object.fromEntries(hosts.map((h) => [h, peakOverlap(spans.filter((s) => s[key] === h))]));
  };
  return { pool: peakOverlap(spans), perSource: per('source'), perDestination: per('destination') };
}
