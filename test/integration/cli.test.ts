// The `liveshift` command against a running stack: bad input is one line, exit 2, nothing started;
// `migrate --json` prints the docs/design.md §7 object; `check` audits.
import { WorkflowNotFoundError } from '@temporalio/client';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationWorkflowId, vmUuid } from '../../domain/ids';
import { migrationResultSchema } from '../../domain/request';
import { liveshift } from '../helpers/cli';
import { e2ePool } from '../helpers/pools';
import { cliEnv, stackFor } from '../helpers/server';
import type { Stack } from '../../workers/stack';

const pool = e2ePool('cli', {
  timeScale: 0.1,
  srs: [
    { name: 'v3', type: 'zfs-vol', shared: true },
    { name: 'v1', type: 'nfs', shared: true },
    { name: 'local-a', type: 'nfs', shared: false, host: 'host-a' },
  ],
});
pool.vms!.push({
  name: 'pinned',
  residentOn: 'host-a',
  memoryMiB: 128,
  vbds: [{ device: 'xvda', sr: 'local-a', mode: 'RW' }],
});

describe('liveshift CLI', () => {
  let stack: Stack;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    stack = await stackFor(pool);
    env = cliEnv(stack);
  });
  afterAll(() => stack.stop());

  const notStarted = async (vm: string) => {
    const handle = stack.client.workflow.getHandle(migrationWorkflowId(vmUuid('cli', vm)));
    await expect(handle.describe()).rejects.toThrow(WorkflowNotFoundError);
  };

  it.each([
    ['unknown VM', ['migrate', 'ghost', '--to', 'host-b'], /unknown VM "ghost"/],
    ['unknown host', ['migrate', 'vm-1', '--to', 'host-z'], /unknown host "host-z"/],
    [
      'same source and destination',
      ['migrate', 'vm-1', '--to', 'host-a'],
      /already runs on host-a: source and destination are the same host/,
    ],
    [
      'SR not reachable from the destination',
      ['migrate', 'pinned', '--to', 'host-b'],
      /SR "local-a" is not reachable from host-b/,
    ],
    [
      'unknown plan',
      ['migrate', 'vm-1', '--to', 'host-b', '--plan', 'fast'],
      /fast.*(early-attach|legacy)|Allowed choices/,
    ],
  ])('%s: one line, exit 2, nothing started', async (_name, args, message) => {
    const events = stack.sim.events().length;
    const run = await liveshift(args, env);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(message);
    expect(stack.sim.events().length).toBe(events);
    await notStarted(String(args[1]));
  });

  it('malformed pool YAML: one line, exit 2, for plan and up alike', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'liveshift-bad-')), 'bad.yaml');
    writeFileSync(file, 'name: x\nhosts: [ {name: a\n');
    for (const args of [
      ['plan', 'vm', '--to', 'a', '--pool', file],
      ['up', '--pool', file],
    ]) {
      const run = await liveshift(args, { LIVESHIFT_STATE: join(file, '..', 'state.db') });
      expect(run.code).toBe(2);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(/pool file .*bad\.yaml: not valid YAML/);
    }
  });

  it('migrate --json prints the result contract and check finds no violation', async () => {
    const run = await liveshift(['migrate', 'vm-1', '--to', 'host-b', '--json'], env);
    expect(run.code).toBe(0);
    const result = migrationResultSchema.strict().parse(JSON.parse(run.stdout));
    expect(result).toMatchObject({
      vm: 'vm-1',
      from: 'host-a',
      to: 'host-b',
      plan: 'early-attach',
      outcome: 'migrated',
      earlyAttached: ['xvda', 'xvdb'],
    });
    expect(result.atoms.length).toBeGreaterThan(10);
    const check = await liveshift(['check', '--json'], env);
    expect(check.code).toBe(0);
    expect(JSON.parse(check.stdout)).toMatchObject({ pool: 'cli', violations: [] });
  });

  it('plan is a dry run with reasons and predictions, and status reads a finished migration', async () => {
    const plan = await liveshift(['plan', 'vm-1', '--to', 'host-a', '--json'], env);
    expect(plan.code).toBe(0);
    const parsed = JSON.parse(plan.stdout) as {
      decisions: { device: string; early: boolean }[];
      predicted: Record<string, { downtimeMs: number }>;
    };
    expect(parsed.decisions.map((d) => d.early)).toEqual([true, true, false]);
    expect(parsed.predicted['legacy']!.downtimeMs).toBeGreaterThan(parsed.predicted['early-attach']!.downtimeMs);
    const status = await liveshift(['status', migrationWorkflowId(vmUuid('cli', 'vm-1')), '--json'], env);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ status: 'COMPLETED', result: { outcome: 'migrated' } });
  });

  it('check exits 1 and lists a violation found in the event log', async () => {
    const t = Date.now();
    stack.sim.appendEvent({
      host: 'host-a',
      op: 'VBD_activate',
      vmUuid: 'rogue',
      device: 'xvdz',
      vdi: 'nowhere',
      mode: 'RW',
      startMs: t,
      endMs: t,
    });
    const check = await liveshift(['check'], env);
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/violation of invariant 3 .*activated xvdz \(VDI nowhere\) without attaching it/);
  });
});
