// `liveshift evacuate` against a running stack: a host is drained within the caps (proved from the
// hosts' event log), VMs that cannot move are reported with their reason, a long evacuation
// continues as new, a host being evacuated is refused as a destination and as a second
// evacuation, an abort stops new migrations, and bad input exits 2 and changes nothing.
import { WorkflowNotFoundError } from '@temporalio/client';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationSpans, peakConcurrency } from '../../domain/evacuation-measure';
import { vmUuid } from '../../domain/ids';
import type { PoolInput } from '../../domain/pool';
import { loadPoolFile } from '../../sim/pool-file';
import { TWO_SHARED_SRS } from '../../sim/storage-presets';
import { evacuationResultSchema, type EvacuationResult } from '../../workflows/evacuation-definitions';
import type { Stack } from '../../workers/stack';
import { liveshift } from '../helpers/cli';
import { cliEnv, stackFor } from '../helpers/server';

const vm = (name: string, residentOn: string, memoryMiB: number, sr = 'v3') => ({
  name,
  residentOn,
  memoryMiB,
  dirtyRateMiBps: 10,
  vbds: [
    { device: 'xvda', sr, mode: 'RW' as const },
    { device: 'xvdb', sr: 'v1', mode: 'RW' as const },
  ],
});

/** Six VMs on host-a, one pinned to a local SR; host-d has too little memory for the big ones; host-c has eight. */
const drainPool: PoolInput = {
  name: 'evac',
  timeScale: 0.05,
  hosts: [{ name: 'host-a' }, { name: 'host-b' }, { name: 'host-c' }, { name: 'host-d', memoryMiB: 600 }],
  sms: TWO_SHARED_SRS.sms,
  srs: [...TWO_SHARED_SRS.srs!, { name: 'local-a', type: 'nfs', shared: false, host: 'host-a' }],
  vms: [
    ...['a1', 'a2', 'a3', 'a4', 'a5'].map((n, i) => vm(n, 'host-a', i < 2 ? 1024 : 256)),
    vm('pinned', 'host-a', 128, 'local-a'),
    vm('b1', 'host-b', 256),
    ...Array.from({ length: 8 }, (_, i) => vm(`c${i + 1}`, 'host-c', 4096)),
  ],
};

describe('liveshift evacuate', () => {
  let stack: Stack;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    stack = await stackFor(drainPool);
    env = cliEnv(stack);
  });
  afterAll(() => stack.stop());

  const evacuate = async (args: string[]) => {
    const run = await liveshift(['evacuate', ...args, '--json'], env);
    return { run, result: evacuationResultSchema.parse(JSON.parse(run.stdout)) };
  };

  it('drains a host within the caps; what cannot move is reported with its reason', async () => {
    const caps = ['--concurrency', '2', '--per-destination', '1', '--pool-limit', '2'];
    const { run, result } = await evacuate(['host-a', ...caps]);
    expect(run.code).toBe(1); // partial: `pinned` cannot leave its local SR
    expect(result.outcome).toBe('partial');
    const by = (name: string) => result.vms.find((v) => v.vm === name)!;
    expect(by('pinned')).toMatchObject({ outcome: 'skipped', to: null, startedAt: null });
    expect(by('pinned').reason).toMatch(/host-b cannot reach SR local-a/);
    for (const name of ['a1', 'a2', 'a3', 'a4', 'a5']) expect(by(name).outcome).toBe('migrated');
    // host-d has 600 MiB: never the 1024 MiB VMs, and never more than two 256 MiB ones.
    expect(['host-b', 'host-c']).toContain(by('a1').to);
    expect(['host-b', 'host-c']).toContain(by('a2').to);
    expect(by('a1').earlyAttached).toEqual(['xvda']);
    const spans = migrationSpans(stack.sim.events(), movedFrom(result));
    expect(spans).toHaveLength(5);
    const peak = peakConcurrency(spans);
    expect(peak.pool).toBe(2); // the cap was reached, and never exceeded
    expect(Math.max(...Object.values(peak.perDestination))).toBe(1);
    expect(stack.sim.snapshot().evacuating).toBeUndefined();
  });

  it('continues as new past its threshold and still finishes every VM', async () => {
    const { run, result } = await evacuate(['host-b', '--continue-as-new-after', '2', '--concurrency', '2']);
    // host-b now holds b1 and whatever host-a's evacuation put there.
    expect(run.code).toBe(0);
    expect(result.outcome).toBe('evacuated');
    expect(result.vms.length).toBeGreaterThanOrEqual(3);
    expect(result.runs).toBe(Math.ceil(result.vms.length / 2));
    const statuses: string[] = [];
    for await (const run of stack.client.workflow.list({ query: `WorkflowId = 'evacuate-host-b'` }))
      statuses.push(run.status.name);
    expect(statuses.sort()).toEqual(['COMPLETED', ...Array<string>(result.runs - 1).fill('CONTINUED_AS_NEW')]);
  });

  it('refuses a second evacuation of a host and migrations to it; an abort stops new migrations', async () => {
    const started = await liveshift(['evacuate', 'host-c', '--concurrency', '1', '--no-wait'], env);
    expect(started.code).toBe(0);
    await until(() => stack.sim.snapshot().evacuating?.includes('host-c') === true);
    const again = await liveshift(['evacuate', 'host-c'], env);
    expect(again.code).toBe(2);
    expect(again.stderr.trim()).toMatch(/^liveshift: host "host-c" is already being evacuated$/);
    const to = await liveshift(['migrate', 'pinned', '--to', 'host-c'], env);
    expect(to.code).toBe(2);
    expect(to.stderr).toMatch(/host "host-c" is being evacuated/);
    const abort = await liveshift(['abort', 'evacuate-host-c', '--reason', 'maintenance moved'], env);
    expect({ code: abort.code, stderr: abort.stderr }).toEqual({ code: 0, stderr: '' });
    expect(abort.stdout).toMatch(/abort accepted: \d+ VMs will not start/);
    const result = (await stack.client.workflow.getHandle('evacuate-host-c').result()) as EvacuationResult;
    const skipped = result.vms.filter((v) => v.outcome === 'skipped');
    expect(skipped.length).toBeGreaterThan(0);
    for (const v of skipped) expect(v.reason).toBe('evacuation aborted: maintenance moved');
    expect(result.outcome).toBe('partial');
    expect(stack.sim.snapshot().evacuating).toBeUndefined();
  });

  it.each([
    ['unknown host', ['host-z'], /^liveshift: invalid evacuation|unknown host "host-z"/],
    ['cap of 0', ['host-a', '--concurrency', '0'], /cap must be a whole number ≥ 1/],
    ['negative cap', ['host-a', '--per-destination', '-1'], /cap must be a whole number ≥ 1/],
    ['cap not a number', ['host-a', '--pool-limit', 'many'], /--pool-limit must be a whole number/],
  ])('bad input: %s exits 2 with one line and starts nothing', async (_, args, message) => {
    const before = stack.sim.events().length;
    const run = await liveshift(['evacuate', ...args], env);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(message);
    expect(stack.sim.events().length).toBe(before);
    expect(stack.sim.snapshot().evacuating).toBeUndefined();
    await expect(stack.client.workflow.getHandle('evacuate-host-z').describe()).rejects.toThrow(WorkflowNotFoundError);
  });
});

describe('liveshift evacuate on the example pool', () => {
  it('drains host-a of examples/pool.yaml', async () => {
    const example = { ...loadPoolFile(resolve('examples/pool.yaml')), name: 'evac-example', timeScale: 0.05 };
    const stack = await stackFor(example);
    try {
      const env = cliEnv(stack);
      const run = await liveshift(['evacuate', 'host-a'], env);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^web-01\s+host-[bc]\s+early-attach\s+1\/1\s+\d+\s+migrated/m);
      expect(run.stdout).toMatch(/^cache-01\s+host-[bc]\s+early-attach\s+1\/2\s+\d+\s+migrated/m);
      expect(run.stdout).toMatch(/host-a: evacuated — 2\/2 VMs moved/);
      expect(run.stderr).toMatch(/web-01 → host-[bc]: migrated, downtime \d+ ms/);
      const status = await liveshift(['status', 'evacuate-host-a'], env);
      expect(status.stdout).toMatch(/host-a: evacuated — 2\/2 VMs moved/);
      expect(stack.sim.snapshot().vms.filter((v) => v.residentOn === 'host-a')).toEqual([]);
      // And on from wherever web-01 went, with the live view (plain lines: stdout is not a terminal here).
      const web = stack.sim.snapshot().vms.find((v) => v.name === 'web-01')!.residentOn;
      const watched = await liveshift(['evacuate', web, '--watch', '--concurrency', '1'], env);
      expect(watched.code).toBe(0);
      expect(watched.stdout).not.toContain(`${String.fromCharCode(27)}[`);
      expect(watched.stdout).toMatch(new RegExp(`evacuate ${web}\\s+migrating\\s+done 0/\\d+`));
      expect(watched.stdout).toMatch(/web-01 → host-[abc]\s+(prepare|precopy|downtime|cleanup)/);
      expect(watched.stdout).toMatch(/web-01 → host-[abc]\s+migrated\s+downtime \d+ ms/);
      expect(watched.stdout).toMatch(new RegExp(`${web}: evacuated — \\d/\\d VMs moved`));
      const both = await liveshift(['evacuate', 'host-c', '--watch', '--json'], env);
      expect(both.code).toBe(2);
    } finally {
      await stack.stop();
    }
  });
});

const movedFrom = (r: EvacuationResult) =>
  r.vms.filter((v) => v.to !== null).map((v) => ({ vmUuid: vmUuid('evac', v.vm), source: r.host, destination: v.to! }));

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 50));
  }
}
