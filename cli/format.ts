// Plain-text tables and one-line summaries for the terminal.
import type { MigrationResult } from '../domain/request';

export function table(head: string[], rows: (string | number)[][]): string {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const numeric = (c: string) => /^-?[\d.]+$/.test(c) || /^\d+\/\d+$/.test(c);
  const line = (r: string[]) =>
    r
      .map((c, i) => (numeric(c) ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

export const ms = (n: number) => n.toFixed(0);

export function summary(r: MigrationResult): string {
  const head = `${r.vm} ${r.from} → ${r.to} (${r.plan}): ${r.outcome}`;
  const downtime = `downtime ${ms(r.downtimeMs)} ms (idle ${ms(r.idleInDowntimeMs)} ms)`;
  const numbers = `${downtime}, total ${ms(r.totalMs)} ms, early-attached [${r.earlyAttached.join(', ')}]`;
  return `${head} — ${numbers}${r.reason ? `\n  reason: ${r.reason}` : ''}`;
}
