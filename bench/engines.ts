// `npm run bench:engines`: the same migrations on both engines `liveshift up` offers — the dev
// server (SQLite file, as `up` runs it) and the Temporal server on PostgreSQL (engine/, from
// nothing: initdb, schema, server, namespace) — with every host in its own process. Prints each
// engine's set-up time and, per plan, downtime and idle time (the part of the downtime in which
// no atom ran: the orchestration's cost inside the window), and writes .liveshift/bench/engines.json.
//   npm run bench:engines -- [--rounds N] [--vm NAME] [--pool FILE] [--json]
import { bundleWorkflowCode } from '@temporalio/worker';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startDevServer } from '../cli/temporal-server';
import { table } from '../cli/format';
import { startPostgresEngine } from '../engine';
import { loadPoolFile } from '../sim/pool-file';
import { scratchState, startStack } from '../workers/stack';
import { runSeries, type Sample } from './series';
import { fmt, median, percentile } from './stats';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '10' },
    vm: { type: 'string', default: 'db-01' },
    pool: { type: 'string', default: 'examples/pool.yaml' },
    json: { type: 'boolean', default: false },
  },
});

const ENGINES = ['dev', 'postgres'] as const;
type EngineName = (typeof ENGINES)[number];
const OUT = join('.liveshift', 'bench');
const log = (line: string) => console.error(line);

interface Service {
  address: string;
  stop(): Promise<void>;
}

/** The engine as `liveshift up` starts it, in a folder of its own (removed afterwards). */
async function startEngine(engine: EngineName, dir: string): Promise<Service> {
  if (engine === 'dev') return startDevServer({ dbFile: join(dir, 'temporal.db'), ui: false, log });
  return startPostgresEngine({ dir: join(dir, 'postgres'), log });
}

async function measure(engine: EngineName, bundle: string, rounds: number) {
  const dir = mkdtempSync(join(tmpdir(), `liveshift-bench-${engine}-`));
  // PostgreSQL's user (not root) passes through it to its cluster.
  chmodSync(dir, 0o711);
  const t0 = performance.now();
  const service = await startEngine(engine, dir);
  const setupMs = Math.round(performance.now() - t0);
  log(`bench: ${engine} set up in ${setupMs} ms; ${rounds} rounds of ${args.vm} out (early-attach) and back (legacy)`);
  const pool = { ...loadPoolFile(args.pool), name: `bench-engines-${engine}-${Date.now()}` };
  const stack = await startStack({
    address: service.address,
    stateFile: scratchState(pool),
    hostProcesses: true,
    workflowBundlePath: bundle,
  });
  try {
    return { engine, setupMs, samples: await runSeries(stack, [args.vm], rounds, log) };
  } finally {
    await stack.stop();
    await service.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const row = (engine: string, plan: string, xs: Sample[]) => {
  const down = xs.map((s) => s.downtimeMs);
  const idle = xs.map((s) => s.idleMs);
  return {
    engine,
    plan,
    n: xs.length,
    downtimeP50: median(down),
    downtimeP95: percentile(down, 95),
    idleP50: median(idle),
    idleP95: percentile(idle, 95),
    idleMax: Math.max(...idle),
    totalP50: median(xs.map((s) => s.totalMs)),
  };
};

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const bundle = resolve(OUT, 'workflow-bundle.js');
  const { code } = await bundleWorkflowCode({ workflowsPath: resolve('workflows', 'index.ts'), logger: quiet });
  writeFileSync(bundle, code);
  const results = [];
  for (const engine of ENGINES) results.push(await measure(engine, bundle, Number(args.rounds)));
  const rows = results.flatMap((r) =>
    (['early-attach', 'legacy'] as const).map((plan) =>
      row(
        r.engine,
        plan,
        r.samples.filter((s) => s.plan === plan),
      ),
    ),
  );
  const report = {
    vm: args.vm,
    pool: args.pool,
    setupMs: Object.fromEntries(results.map((r) => [r.engine, r.setupMs])),
    rows,
  };
  writeFileSync(join(OUT, 'engines.json'), `${JSON.stringify(report, null, 2)}\n`);
  if (args.json) return console.log(JSON.stringify(report));
  console.log(`set-up: ${results.map((r) => `${r.engine} ${r.setupMs} ms`).join(', ')}\n`);
  const headers = ['engine', 'plan', 'n', 'downtime p50', 'p95', 'idle p50', 'p95', 'max', 'total p50'];
  const cells = rows.map((r) => [
    r.engine,
    r.plan,
    r.n,
    ...[r.downtimeP50, r.downtimeP95, r.idleP50, r.idleP95, r.idleMax, r.totalP50].map(fmt),
  ]);
  console.log(table(headers, cells));
}

const ignore = () => undefined;
const quiet = { log: ignore, trace: ignore, debug: ignore, info: ignore, warn: ignore, error: log };

main().catch((err: unknown) => {
  console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
