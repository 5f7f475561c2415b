// The benchmark's results as markdown, written into docs/performance.md between markers, so the
// tables there are always those of a real run:
//   npm run bench -- --doc                       (run, then write)
//   node --import tsx bench/doc.ts [results.json] (write from a saved run)
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Report } from './report';
import { TARGETS } from './report';
import { fmt } from './stats';

const DOC = join('docs', 'performance.md');
const md = (head: string[], rows: (string | number)[][]) =>
  [
    `| ${head.join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
const yes = (ok: boolean) => (ok ? 'yes' : '**no**');

export function renderResults(r: Report): string {
  const t = r.throughput;
  return [
    `Run of ${r.at.slice(0, 16).replace('T', ' ')} UTC: \`npm run bench\` (${String(r.settings.rounds)} migrations of each plan per disk count, ${String(r.settings.exampleRounds)} rounds of the example pool, after one warm-up round).`,
    '',
    '**Example pool, median per VM** (ms, measured by the hosts; prediction from the latency model)',
    '',
    md(
      [
        'VM',
        'legacy',
        'early-attach',
        'predicted',
        'early − predicted',
        'saved',
        'attach on path',
        'saved / on path',
        `within ${TARGETS.overPredictionMs} ms, ≥ ${TARGETS.savingShare * 100}%`,
      ],
      r.perVm.map((v) => [
        v.vm,
        fmt(v.legacy.downtimeP50),
        fmt(v.early.downtimeP50),
        fmt(v.early.predictedDowntime),
        fmt(v.early.overDowntimeP50),
        fmt(v.savedMs),
        fmt(v.onPathMs),
        `${(v.share * 100).toFixed(1)}%`,
        yes(v.early.overDowntimeP50 <= TARGETS.overPredictionMs && v.share >= TARGETS.savingShare),
      ]),
    ),
    '',
    `**Idle time inside the downtime window, by disk count** (ms; target p50 ≤ ${TARGETS.idleP50Ms}, p99 ≤ ${TARGETS.idleP99Ms})`,
    '',
    md(
      [
        'disks',
        'plan',
        'n',
        'idle p50',
        'p95',
        'p99',
        'max',
        'downtime p50',
        'predicted',
        'over',
        'overhead p50',
        'target met',
      ],
      r.perDisks.map((s) => [
        s.key,
        s.plan,
        s.n,
        fmt(s.idleP50),
        fmt(s.idleP95),
        fmt(s.idleP99),
        fmt(s.idleMax),
        fmt(s.downtimeP50),
        fmt(s.predictedDowntime),
        fmt(s.overDowntimeP50),
        fmt(s.overheadP50),
        yes(s.idleP50 <= TARGETS.idleP50Ms && s.idleP99 <= TARGETS.idleP99Ms),
      ]),
    ),
    '',
    '**Orchestration overhead of a whole migration, example pool** (total − predicted total, ms)',
    '',
    md(
      ['plan', 'n', 'overhead p50', 'idle p50'],
      r.overhead.map((s) => [s.plan, s.n, fmt(s.overheadP50), fmt(s.idleP50)]),
    ),
    '',
    `**${t.migrations} migrations at once on distinct VMs** (4 hosts, every host and the orchestrator in its own process)`,
    '',
    md(
      [
        'migrated',
        'makespan ms',
        'migrations/s',
        'orchestrator CPU ms / migration',
        'server CPU ms / migration',
        'idle p50',
        'idle p99',
        'downtime p50',
      ],
      [
        [
          `${t.migrated}/${t.migrations}`,
          fmt(t.makespanMs),
          t.perSecond.toFixed(2),
          fmt(t.orchestratorCpuMsPerMigration),
          fmt(t.serverCpuMsPerMigration),
          fmt(t.idleP50),
          fmt(t.idleP99),
          fmt(t.downtimeP50),
        ],
      ],
    ),
    '',
    md(
      ['process', 'peak RSS MiB'],
      Object.entries(t.peakRssMiB).map(([p, mib]) => [p, fmt(mib)]),
    ),
  ].join('\n');
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
