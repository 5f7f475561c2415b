// What a view model hands a renderer, and the small formatters the views share. Pure.

/** One line of the plain (non-TTY) view: printed again only when its `state` changes. */
export interface PlainLine {
  /** Identifies the thing the line is about (the migration, one VM, the evacuation). */
  key: string;
  /** The line without its clock, so the passing of time alone is not a change. */
  state: string;
  text: string;
}

/** One poll's view: the lines of the live terminal frame, and the plain lines for logs and CI. */
export interface Frame {
  lines: string[];
  plain: PlainLine[];
}

export const seconds = (ms: number): string => `${(Math.max(0, ms) / 1000).toFixed(1)} s`;

/** A fixed-width bar; an unknown or empty total draws an empty bar rather than a full one. */
export function bar(done: number, total: number, width = 20): string {
  const filled = total > 0 ? Math.round((Math.min(done, total) / total) * width) : 0;
  return '█'.repeat(filled) + '░'.repeat(width - filled);
}

export interface MemoryFigure {
  totalMiB: number;
  copiedMiB: number;
}

export const mib = (m: MemoryFigure): string => `${m.copiedMiB}/${m.totalMiB} MiB`;

/** A plain line stamped with the elapsed time, its state being the text without the stamp. */
export function stamped(key: string, elapsedMs: number | null, state: string): PlainLine {
  const clock = elapsedMs === null ? '' : `${seconds(elapsedMs).padStart(8)}  `;
  return { key, state, text: `${clock}${state}` };
}

/** The frame shown while a query fails: the last one (if any) with the failure under it. */
export function withQueryError(last: Frame | null, err: unknown): Frame {
  const message = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
  const note = `progress query failed: ${message} (retrying)`;
  return {
    lines: [...(last?.lines ?? []), note],
    plain: [...(last?.plain ?? []), { key: 'query-error', state: note, text: note }],
  };
}
