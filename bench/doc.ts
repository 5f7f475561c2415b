// The benchmark's results as markdown, written into docs/performance.md between markers, so the
// tables there are always those of a real run:
//   npm run bench -- --doc                       (run, then write)
//   node --import tsx bench/doc.ts [results.json] (write from a saved run)
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Report } from './report';
import type { EvacuationBench } from './evacuation';
import { benchTables, evacuationTables } from './tables';

const DOC = join('docs', 'performance.md');
const md = (head: string[], rows: (string | number)[][]) =>
  [
    `| ${head.join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');

export function renderResults(r: Report): string {
  const run = `Run of ${r.at.slice(0, 16).replace('T', ' ')} UTC: \`npm run bench\``;
  const what = `${String(r.settings.rounds)} migrations of each plan per disk count, ${String(r.settings.exampleRounds)} rounds of the example pool, after one warm-up round`;
  const tables = benchTables(r, (ok) => (ok ? 'yes' : '**no**')).map((t) => `**${t.title}**\n\n${md(t.head, t.rows)}`);
  return [`${run} (${what}).`, ...tables].join('\n\n');
}

export function renderEvacuation(r: EvacuationBench): string {
  const run = `Run of ${r.at.slice(0, 16).replace('T', ' ')} UTC: \`npm run bench -- --evacuate\``;
  const tables = evacuationTables(r, (ok) => (ok ? 'yes' : '**no**')).map(
    (t) => `**${t.title}**\n\n${md(t.head, t.rows)}`,
  );
  return [`${run}.`, ...tables].join('\n\n');
}

/** Replaces the text between `<!-- bench:<name> -->` and `<!-- /bench:<name> -->` in docs/performance.md. */
export function writeSection(name: string, text: string): void {
  const doc = readFileSync(DOC, 'utf8');
  const [open, close] = [`<!-- bench:${name} -->`, `<!-- /bench:${name} -->`];
  const start = doc.indexOf(open);
  const end = doc.indexOf(close);
  if (start < 0 || end < start) throw new Error(`${DOC} has no ${open} … ${close} section`);
  writeFileSync(DOC, `${doc.slice(0, start + open.length)}\n${text}\n${doc.slice(end)}`);
  console.error(`wrote the ${name} section of ${DOC}`);
}

if (require.main === module) {
  const file = process.argv[2] ?? join('.liveshift', 'bench', 'results.json');
  writeSection('results', renderResults(JSON.parse(readFileSync(file, 'utf8')) as Report));
}
