// Records workflow histories for the replay test (test/histories/). Run after a deliberate
// workflow change that is guarded by patched(), to add histories of the new code next to the old
// ones (which must keep replaying):
//   npm run histories:record -- <tag> [name,...]   writes test/histories/<name>.<tag>.json
// (only the named recordings when names are given, e.g. `evacuation` after an evacuateHost change)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureTemporalCli, startDevServer } from '../cli/temporal-server';
import { startEvacuation } from '../client/evacuations';
import type { MigrationHandle } from '../client/migrations';
import { e2ePool } from '../test/helpers/pools';
import { scratchState, startStack, type Stack } from '../workers/stack';
import { waitForPhase } from '../test/helpers/wait';
import { abortUpdate } from '../workflows/definitions';

const ROOT = join(__dirname, '..');
const VM = e2ePool('vm').vms![0]!;
const OUT = join(ROOT, 'test', 'histories');
const TAG = process.argv[2];
const ONLY = process.argv[3]?.split(',');

/** Saved as the Temporal CLI and Web UI export it (proto JSON), which the replayer reads. */
function exportHistory(address: string, workflowId: string, runId: string): string {
  return execFileSync(
    ensureTemporalCli(),
    ['workflow', 'show', '--address', address, '-w', workflowId, '-r', runId, '-o', 'json'],
    { encoding: 'utf8' },
  );
}

function write(address: string, name: string, workflowId: string, runId: string): void {
  const file = join(OUT, TAG ? `${name}.${TAG}.json` : `${name}.json`);
  if (existsSync(file)) throw new Error(`${file} exists: recorded histories are never overwritten; pass a new tag`);
  // Stack traces in failures name this checkout's absolute paths: keep them repo-relative.
  writeFileSync(file, exportHistory(address, workflowId, runId).split(`${ROOT}/`).join(''));
}

async function save(address: string, name: string, start: () => Promise<MigrationHandle>): Promise<void> {
  if (ONLY && !ONLY.includes(name)) return;
  const handle = await start();
  const result = await handle.result();
  const { runId } = await handle.describe();
  write(address, name, handle.workflowId, runId);
  console.log(`${name}: ${result.outcome}, downtime ${result.downtimeMs} ms`);
}

/** An evacuation of three VMs that continues as new after two: both runs are recorded. */
async function saveEvacuation(address: string, stack: Stack): Promise<void> {
  if (ONLY && !ONLY.includes('evacuation')) return;
  const handle = await startEvacuation(stack.client, stack.sim.snapshot(), { host: 'host-a', continueAsNewAfter: 2 });
  const result = await handle.result();
  // Visibility lags the history a little: wait until it lists every run, closed.
  let runs: { runId: string; status: string }[] = [];
  while (runs.length !== result.runs || runs.some((r) => r.status === 'RUNNING')) {
    await new Promise((r) => setTimeout(r, 200));
    runs = [];
    for await (const r of stack.client.workflow.list({ query: `WorkflowId = '${handle.workflowId}'` }))
      runs.push({ runId: r.runId, status: r.status.name });
  }
  for (const r of runs)
    write(
      address,
      `evacuation-${r.status === 'COMPLETED' ? 'evacuated' : 'continued-as-new'}`,
      handle.workflowId,
      r.runId,
    );
  // And one of its migrations, which an evacuation since `evacuation-queued-migrations` starts ahead of its slot.
  const child = result.vms.find((v) => v.workflowId !== null)!.workflowId!;
  const { runId } = await stack.client.workflow.getHandle(child).describe();
  write(address, 'evacuation-child-migrated', child, runId);
  console.log(`evacuation: ${result.outcome}, ${result.vms.length} VMs in ${result.runs} runs`);
}

/** An abort while the window runs: a hung rename holds the window open until the abort is in. */
async function abortedInDowntime(stack: Stack): Promise<MigrationHandle> {
  stack.sim.addFault({ atom: 'VM_rename', host: 'host-b', vm: 'vm-1', effect: 'hang', times: 1 });
  const handle = await stack.start({ vm: 'vm-1', to: 'host-b', plan: 'early-attach' });
  await waitForPhase(handle, 'downtime');
  await handle.executeUpdate(abortUpdate, { args: [{ reason: 'recorded abort' }] });
  return handle;
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const server = await startDevServer({ ui: false });
  const stack = await startStack({
    address: server.address,
    stateFile: scratchState(
      e2ePool('histories', { timeScale: 0.1, vms: ['vm-1', 'vm-2', 'vm-3'].map((name) => ({ ...VM, name })) }),
    ),
  });
  try {
    const migrate = (to: string, plan: 'early-attach' | 'legacy') => () => stack.start({ vm: 'vm-1', to, plan });
    await save(server.address, 'early-attach-migrated', migrate('host-b', 'early-attach'));
    await save(server.address, 'legacy-migrated', migrate('host-a', 'legacy'));
    stack.sim.addFault({ atom: 'VBD_activate', host: 'host-b', vm: 'vm-1', device: 'xvdc', effect: 'fail', times: 10 });
    await save(server.address, 'early-attach-rolled-back', migrate('host-b', 'early-attach'));
    stack.sim.clearFaults();
    await save(server.address, 'early-attach-aborted-in-downtime', () => abortedInDowntime(stack));
    await saveEvacuation(server.address, stack);
  } finally {
    await stack.stop();
    await server.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
