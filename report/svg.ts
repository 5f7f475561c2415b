// Markup helpers for the report: every text and attribute value goes through `esc`, so a VM or
// device name can hold any character without breaking (or injecting into) the page.
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export const esc = (text: string): string => text.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);

/** A coordinate or length, short in the markup (2 decimals at most). */
export const num = (n: number): string => String(Math.round(n * 100) / 100);

export type Attrs = Record<string, string | number | undefined>;

export function attrs(a: Attrs): string {
  return Object.entries(a)
    .filter((e): e is [string, string | number] => e[1] !== undefined)
    .map(([k, v]) => ` ${k}="${typeof v === 'number' ? num(v) : esc(v)}"`)
    .join('');
}

/** An element; `body` is markup already escaped (use `esc` for text). */
export const el = (name: string, a: Attrs, body = ''): string => `<${name}${attrs(a)}>${body}</${name}>`;

/** A hover tooltip: SVG's own `<title>`, so the page needs no script. */
export const title = (lines: string[]): string => el('title', {}, esc(lines.join('\n')));

/** Milliseconds as the hosts' measurements are kept (0.1 ms). */
export const msText = (ms: number): string => `${ms.toFixed(1)} ms`;
