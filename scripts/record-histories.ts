// Records workflow histories for the replay test (test/histories/). Run after a deliberate
// workflow change that is guarded by patched(), to add histories of the new code next to the old
// ones (which must keep replaying):
//   npm run histories:record -- <tag>      writes test/histories/<name>.<tag>.json
//   npm run histories:record -- [<tag>] --evacuation-only   only the evacuateHost history
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureTemporalCli, startDevServer } from '../cli/temporal-server';
import { startEvacuation } from '../client/evacuations';
import { e2ePool } from '../test/helpers/pools';
import { scratchState, startStack, type Stack } from '../workers/stack';
import { waitForPhase } from '../test/helpers/wait';
import { abortUpdate } from '../workflows/definitions';

const ROOT = join(__dirname, '..');
const OUT = join(ROOT, 'test', 'histories');
const ARGS = process.argv.slice(2);
const EVACUATION_ONLY = ARGS.includes('--evacuation-only');
const TAG = ARGS.find((a) => !a.startsWith('--'));

interface Recorded {
  workflowId: string;
  result(): Promise<{ outcome: string }>;
  describe(): Promise<{ runId: string }>;
}

/** Saved as the Temporal CLI and Web UI export it (proto JSON), which the replayer reads. */
function exportHistory(address: string, workflowId: string, runId: string): string {
  return execFileSync(
    ensureTemporalCli(),
    ['workflow', 'show', '--address', address, '-w', workflowId, '-r', runId, '-o', 'json'],
    { encoding: 'utf8' },
  );
}

async function save(address: string, name: string, handle: Recorded): Promise<void> {
  const result = await handle.result();
  const { runId } = await handle.describe();
  const file = join(OUT, TAG ? `${name}.${TAG}.json` : `${name}.json`);
  if (existsSync(file)) throw new Error(`${file} exists: recorded histories are never overwritten; pass a new tag`);
  // Stack traces in failures name this checkout's absolute paths: keep them repo-relative.
  writeFileSync(file, exportHistory(address, handle.workflowId, runId).split(`${ROOT}/`).join(''));
  console.log(`${name}: ${result.outcome}`);
}

/** An abort while the window runs: a hung rename holds the window open until the abort is in. */
async function abortedInDowntime(stack: Stack): Promise<Recorded> {
  stack.sim.addFault({ atom: 'VM_rename', host: 'host-b', vm: 'vm-1', effect: 'hang', times: 1 });
  const handle = await stack.start({ vm: 'vm-1', to: 'host-b', plan: 'early-attach' });
  await waitForPhase(handle, 'downtime');
  await handle.executeUpdate(abortUpdate, { args: [{ reason: 'recorded abort' }] });
  return handle;
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const server = await startDevServer({ ui: false });
  try {
    if (!EVACUATION_ONLY) await migrations(server.address);
    await evacuation(server.address);
  } finally {
    await server.stop();
  }
}

async function migrations(address: string): Promise<void> {
  const stack = await startStack({ address, stateFile: scratchState(e2ePool('histories', { timeScale: 0.1 })) });
  try {
    await save(address, 'early-attach-migrated', await stack.start({ vm: 'vm-1', to: 'host-b', plan: 'early-attach' }));
    await save(address, 'legacy-migrated', await stack.start({ vm: 'vm-1', to: 'host-a', plan: 'legacy' }));
    stack.sim.addFault({ atom: 'VBD_activate', host: 'host-b', vm: 'vm-1', device: 'xvdc', effect: 'fail', times: 10 });
    await save(
      address,
      'early-attach-rolled-back',
      await stack.start({ vm: 'vm-1', to: 'host-b', plan: 'early-attach' }),
    );
    stack.sim.clearFaults();
    await save(address, 'early-attach-aborted-in-downtime', await abortedInDowntime(stack));
  } finally {
    await stack.stop();
  }
}

/**
 * Two VMs drained one at a time: while its one slot is taken the evacuation waits (the wait
 * PATCHES.evacuationWaitOwnSlots changed). Each migration lasts seconds at timeScale 1, so a
 * history from before that patch polls a few times meanwhile.
 */
async function evacuation(address: string): Promise<void> {
  const pool = e2ePool('histories-evacuation');
  const vm = pool.vms![0]!;
  const stack = await startStack({
    address,
    stateFile: scratchState({ ...pool, vms: [vm, { ...vm, name: 'vm-2' }] }),
  });
  try {
    const request = { host: 'host-a', caps: { perSource: 1 } };
    await save(address, 'evacuation-drained', await startEvacuation(stack.client, stack.sim.snapshot(), request));
  } finally {
    await stack.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
