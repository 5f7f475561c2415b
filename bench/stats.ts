// Summaries the benchmark prints: percentiles (nearest rank) and rounding.
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export const median = (xs: readonly number[]) => percentile(xs, 50);

export const fmt = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '—');
