// `npm run bench:levers`: what one step between two atoms inside the downtime window costs with
// each way of dispatching it, on a real dev server and real host processes (docs/performance.md,
// "Levers"). Every gap is measured between the end of one step and the start of the next, as the
// processes that ran them saw it.
//   npm run bench:levers -- [--steps N] [--chains N] [--doc]   (--doc: also into docs/performance.md)
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { AgentClient } from '../agent/client';
import { runDirect } from '../agent/delegate';
import { table } from '../cli/format';
import { startDevServer } from '../cli/temporal-server';
import { Atom, atomsOf, Serial, type AtomCall, type AtomResult } from '../domain/atoms';
import { planMigration } from '../domain/planner';
import { scratchState, startStack, type Stack } from '../workers/stack';
import { leverActivities } from './levers-activities';
import type { Step } from './levers-workflows';
import { writeSection } from './doc';
import { diskCountPool } from './pools';
import { fmt, percentile } from './stats';

const { values: args } = parseArgs({
  options: {
    steps: { type: 'string', default: '20' },
    chains: { type: 'string', default: '5' },
    doc: { type: 'boolean', default: false },
  },
});
const STEPS = Number(args.steps);
const CHAINS = Number(args.chains);
const gapsOf = (xs: readonly Step[]) => xs.slice(1).map((s, i) => s.startMs - xs[i]!.endMs);
const quiet = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** One no-op atom per host, each really run once first: run again, each is a no-op its host records. */
async function noopAtoms(stack: Stack): Promise<Record<'a' | 'b', AtomCall>> {
  const atomOf = (vm: string, atom: AtomCall['atom']) =>
    atomsOf(planMigration(stack.sim.snapshot(), { vm, to: 'host-b', plan: 'early-attach' }, 'levers').plan).find(
      (c) => c.atom === atom,
    )!;
  const noop = { a: atomOf('disks-1', 'VM_suspend'), b: atomOf('disks-2', 'VM_create') };
  for (const call of Object.values(noop)) await stack.sim.run(call, {});
  return noop;
}

async function temporalRows(
  bundle: string,
  agents: AgentClient,
  noop: AtomCall,
  untuned: boolean,
): Promise<(string | number)[][]> {
  const server = await startDevServer({ ui: false, untuned });
  const native = await NativeConnection.connect({ address: server.address });
  const activities = leverActivities(agents, noop);
  const workers = [
    await Worker.create({
      connection: native,
      taskQueue: 'levers-wf',
      workflowBundle: { codePath: bundle },
      activities,
    }),
    await Worker.create({ connection: native, taskQueue: 'levers-host', activities }),
  ];
  const running = workers.map((w) => w.run());
  const client = new Client({ connection: await Connection.connect({ address: server.address }) });
  const chain = async (type: string, chainArgs: unknown[]) => {
    const gaps: number[] = [];
    for (let i = 0; i < CHAINS; i++) {
      const steps = await client.workflow.execute<(...a: unknown[]) => Promise<Step[]>>(type, {
        taskQueue: 'levers-wf',
        workflowId: `levers-${type}-${Date.now()}-${i}`,
        args: chainArgs,
      });
      gaps.push(...gapsOf(steps));
    }
    return gaps;
  };
  const label = untuned ? 'dev-server defaults' : 'tuned dev server';
  const rows = [row(`activity per step on a task queue (${label})`, await chain('queuedChain', [STEPS]))];
  if (!untuned) {
    rows.push(
      row('local activity per step (lever 1, without the host call)', await chain('localChain', [STEPS, false])),
    );
    rows.push(
      row("local activity per step calling the host's agent (lever 1)", await chain('localChain', [STEPS, true])),
    );
  }
  for (const w of workers) w.shutdown();
  await Promise.all(running);
  await client.connection.close();
  await native.close();
  await server.stop();
  return rows;
}

async function agentRows(agents: AgentClient, noop: Record<'a' | 'b', AtomCall>): Promise<(string | number)[][]> {
  const perAtom: number[] = [],
    hostRun: number[] = [],
    byRunner: number[] = [],
    byHandoff: number[] = [];
  const run = async (call: AtomCall | AtomCall[]) => {
    const out: AtomResult[] = [];
    const plan = Array.isArray(call) ? Serial('run', call.map(Atom)) : Atom(call);
    await agents.runPlan(
      (Array.isArray(call) ? call[0]! : call).host,
      { plan, timeScale: 1 },
      (l) => 'settled' in l && 'result' in l.settled.outcome && out.push(l.settled.outcome.result),
    );
    return out;
  };
  const alternating = Array.from({ length: STEPS }, (_, i) => (i % 2 === 0 ? noop.a : noop.b));
  for (let c = 0; c < CHAINS; c++) {
    const one: AtomResult[] = [];
    for (let i = 0; i < STEPS; i++) one.push(...(await run(noop.a)));
    perAtom.push(...gapsOf(one));
    hostRun.push(...gapsOf(await run(Array.from({ length: STEPS }, () => noop.a))));
    const hops: AtomResult[] = [];
    for (const call of alternating) hops.push(...(await run(call)));
    byRunner.push(...gapsOf(hops));
    const report = await runDirect(Serial('hops', alternating.map(Atom)), 1, { client: agents });
    byHandoff.push(
      ...gapsOf(
        report.atoms
          .flatMap((a) => ('result' in a.outcome ? [a.outcome.result] : []))
          .sort((x, y) => x.startMs - y.startMs),
      ),
    );
  }
  return [
    row('the runner calls the agent for each atom (lever 2, first form)', perAtom),
    row('one host runs its consecutive atoms itself (lever 2: host runs)', hostRun),
    row('the turn passes to the other host through the runner', byRunner),
    row('the turn passes to the other host agent to agent (handoff)', byHandoff),
  ];
}

function leversMarkdown(rows: (string | number)[][]): string {
  const head = `Run of ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC: \`npm run bench:levers\` (${CHAINS} chains of ${STEPS} steps; ms).`;
  const lines = rows.map((r) => `| ${r.join(' | ')} |`);
  return [head, '', '| dispatch | gaps | p50 | p95 | p99 |', '| --- | --- | --- | --- | --- |', ...lines].join('\n');
}

const row = (what: string, gaps: number[]) => [
  what,
  gaps.length,
  fmt(percentile(gaps, 50)),
  fmt(percentile(gaps, 95)),
  fmt(percentile(gaps, 99)),
];

async function main(): Promise<void> {
  const stackServer = await startDevServer({ ui: false });
  const stack = await startStack({
    address: stackServer.address,
    stateFile: scratchState(diskCountPool(`levers-${Date.now()}`)),
    hostProcesses: true,
  });
  try {
    const noop = await noopAtoms(stack);
    const agents = new AgentClient(stack.sim);
    const bundle = resolve('.liveshift', 'bench', 'levers-bundle.js');
    const { code } = await bundleWorkflowCode({
      workflowsPath: resolve('bench', 'levers-workflows.ts'),
      logger: quiet,
    });
    writeFileSync(bundle, code);
    const rows = [
      ...(await temporalRows(bundle, agents, noop.a, true)),
      ...(await temporalRows(bundle, agents, noop.a, false)),
      ...(await agentRows(agents, noop)),
    ];
    console.log(`\nOne step between two atoms, by way of dispatch (ms; ${CHAINS} chains of ${STEPS} steps)\n`);
    console.log(table(['dispatch', 'gaps', 'p50', 'p95', 'p99'], rows));
    if (args.doc) writeSection('levers', leversMarkdown(rows));
  } finally {
    await stack.stop();
    await stackServer.stop();
  }
}

main().catch((err: unknown) => {
  console.error(`bench:levers: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
