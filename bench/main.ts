// `npm run bench`: the performance benchmark (docs/performance.md). On a real dev server, with
// every host in its own process as under `liveshift up`, it measures
//   1. every VM of the example pool with both plans: downtime against the model's prediction, and
//      what early attach saves against the attach time the legacy plan puts on the window's path;
//   2. VMs with 1, 2, 4 and 8 disks: idle time inside the window (p50/p95/p99), downtime against
//      prediction, and the orchestration overhead of the whole migration (total − predicted total);
//   3. many migrations at once on distinct VMs: throughput, orchestrator CPU, peak memory.
// It prints tables and writes .liveshift/bench/results.json.
//   npm run bench -- [--quick] [--json] [--doc] [--rounds N] [--pool FILE] [--concurrent N]
// (--doc: also write the tables into docs/performance.md)
//   npm run bench -- --evacuate [--json] [--doc] [--time-scale X] [--continue-as-new-after N]
// runs only the evacuation benchmark (bench/evacuation.ts): 200 VMs drained from 4 hosts at once,
// makespan against the ideal bound of the caps; writes .liveshift/bench/evacuation.json and exits 1
// (writing no doc) if a cap was exceeded, a VM was left behind or one was placed on a source.
import { bundleWorkflowCode } from '@temporalio/worker';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startDevServer } from '../cli/temporal-server';
import { loadPoolFile } from '../sim/pool-file';
import { scratchState, startStack } from '../workers/stack';
import { diskCountPool, DISK_COUNTS, SHORTENED_LATENCY_MS } from './pools';
import { renderEvacuation, renderResults, writeSection } from './doc';
import { EVACUATION_SETTINGS, runEvacuationBench, type EvacuationSettings } from './evacuation';
import { printEvacuation, printReport, type Report } from './report';
import { runSeries, saving, summarize, type Sample } from './series';
import { runThroughput } from './throughput';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    doc: { type: 'boolean', default: false },
    evacuate: { type: 'boolean', default: false },
    'time-scale': { type: 'string' },
    'continue-as-new-after': { type: 'string' },
    rounds: { type: 'string' },
    pool: { type: 'string', default: 'examples/pool.yaml' },
    concurrent: { type: 'string', default: '50' },
  },
});

const OUT = join('.liveshift', 'bench');
const log = (line: string) => console.error(line);

async function main(): Promise<void> {
  // Bad flags fail before anything starts.
  const settings = args.evacuate ? evacuationSettings() : undefined;
  mkdirSync(OUT, { recursive: true });
  const server = await startDevServer({ ui: false, log });
  try {
    const bundle = await writeBundle();
    if (settings) await evacuation(server.address, bundle, server.pid, settings);
    else await full(server.address, bundle, server.pid);
  } finally {
    await server.stop();
  }
}

/** One bundle for every orchestrator of the run, as tests do: bundling is not per migration. */
async function writeBundle(): Promise<string> {
  const bundle = resolve(OUT, 'workflow-bundle.js');
  writeFileSync(
    bundle,
    (await bundleWorkflowCode({ workflowsPath: resolve('workflows', 'index.ts'), logger: quiet })).code,
  );
  return bundle;
}

async function full(address: string, bundle: string, serverPid: number | undefined): Promise<void> {
  const rounds = Number(args.rounds ?? (args.quick ? 10 : 50));
  const exampleRounds = args.quick ? 2 : 10;
  const stackOn = (pool: Parameters<typeof scratchState>[0]) =>
    startStack({ address, stateFile: scratchState(pool), hostProcesses: true, workflowBundlePath: bundle });
  log(`bench: example pool ${args.pool}, ${exampleRounds} rounds`);
  const example = await series(
    await stackOn({ ...loadPoolFile(args.pool), name: `bench-${Date.now()}` }),
    exampleRounds,
  );
  log(`bench: 1, 2, 4 and 8 disks, ${rounds} migrations of each plan`);
  const disks = await series(await stackOn(diskCountPool(`bench-disks-${Date.now()}`)), rounds);
  log(`bench: ${args.concurrent} migrations at once`);
  const throughput = await runThroughput(address, Number(args.concurrent), bundle, serverPid);
  const report = buildReport(example, disks, throughput, { rounds, exampleRounds, pool: args.pool });
  writeFileSync(join(OUT, 'results.json'), `${JSON.stringify(report, null, 2)}\n`);
  if (args.json) console.log(JSON.stringify(report));
  else printReport(report);
  if (args.doc) writeSection('results', renderResults(report));
  console.error(`\nwrote ${join(OUT, 'results.json')}`);
}

async function evacuation(
  address: string,
  bundle: string,
  serverPid: number | undefined,
  settings: EvacuationSettings,
): Promise<void> {
  const { shape } = settings;
  log(
    `bench: evacuating ${shape.sources} hosts of ${shape.vmsPerSource} VMs each at once, timeScale ${shape.timeScale}`,
  );
  const r = await runEvacuationBench(address, bundle, serverPid, settings);
  writeFileSync(join(OUT, 'evacuation.json'), `${JSON.stringify(r, null, 2)}\n`);
  if (args.json) console.log(JSON.stringify(r));
  else printEvacuation(r);
  console.error(`\nwrote ${join(OUT, 'evacuation.json')}`);
  // A run that broke a cap or left a VM behind is not a measurement to publish.
  if (r.violations.length > 0) throw new Error(`evacuation: ${r.violations.join('; ')}`);
  if (args.doc) writeSection('evacuation', renderEvacuation(r));
}

/** The defaults, with --time-scale and --continue-as-new-after applied. */
function evacuationSettings(): EvacuationSettings {
  const d = EVACUATION_SETTINGS;
  const timeScale = Number(args['time-scale'] ?? d.shape.timeScale);
  const continueAsNewAfter = Number(args['continue-as-new-after'] ?? d.continueAsNewAfter);
  if (!(timeScale > 0)) throw new Error(`--time-scale must be a number > 0, got "${args['time-scale']}"`);
  if (!Number.isInteger(continueAsNewAfter) || continueAsNewAfter < 1)
    throw new Error(`--continue-as-new-after must be a whole number ≥ 1, got "${args['continue-as-new-after']}"`);
  return { ...d, shape: { ...d.shape, timeScale }, continueAsNewAfter };
}

async function series(stack: Awaited<ReturnType<typeof startStack>>, rounds: number): Promise<Sample[]> {
  try {
    return await runSeries(
      stack,
      stack.sim.config().vms.map((v) => v.name),
      rounds,
      log,
    );
  } finally {
    await stack.stop();
  }
}

function buildReport(
  example: Sample[],
  disks: Sample[],
  throughput: Report['throughput'],
  settings: { rounds: number; exampleRounds: number; pool: string },
): Report {
  const by = (xs: Sample[], key: (s: Sample) => string) => [...new Set(xs.map(key))];
  const perVm = by(example, (s) => s.vm).map((vm) => {
    const of = (plan: Sample['plan']) =>
      summarize(
        plan,
        vm,
        example.filter((s) => s.vm === vm && s.plan === plan),
      );
    const [early, legacy] = [of('early-attach'), of('legacy')];
    return { vm, early, legacy, ...saving(early, legacy) };
  });
  const perDisks = DISK_COUNTS.flatMap((n) =>
    (['early-attach', 'legacy'] as const).map((plan) =>
      summarize(
        plan,
        `${n} disks`,
        disks.filter((s) => s.disks === n && s.plan === plan),
      ),
    ),
  );
  const overhead = (['early-attach', 'legacy'] as const).map((plan) =>
    summarize(
      plan,
      'example pool',
      example.filter((s) => s.plan === plan),
    ),
  );
  return {
    at: new Date().toISOString(),
    settings: { ...settings, shortenedLatencyMs: SHORTENED_LATENCY_MS },
    perVm,
    perDisks,
    overhead,
    throughput,
    samples: { example, disks },
  };
}

const ignore = () => undefined;
const quiet = {
  log: ignore,
  trace: ignore,
  debug: ignore,
  info: ignore,
  warn: ignore,
  error: (m: string) => console.error(m),
};

main().catch((err: unknown) => {
  console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
