// `liveshift schedule …` against a running stack: a schedule fires a real evacuation, creating it
// again is idempotent, pause/unpause/delete act on the server's schedule, and bad input exits 2
// and creates nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScheduleRow } from '../../client/schedules';
import { evacuationResultSchema } from '../../workflows/evacuation-definitions';
import type { Stack } from '../../workers/stack';
import { liveshift } from '../helpers/cli';
import { e2ePool } from '../helpers/pools';
import { cliEnv, stackFor } from '../helpers/server';

describe('liveshift schedule', () => {
  let stack: Stack;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    stack = await stackFor(e2ePool('sched', { timeScale: 0.05 }));
    env = cliEnv(stack);
  });
  afterAll(() => stack.stop());

  const cli = (...args: string[]) => liveshift(['schedule', ...args], env);
  const schedules = async () => JSON.parse((await cli('list', '--json')).stdout) as ScheduleRow[];

  it.each([
    ['a bad cron expression', ['evacuate', 'host-a', '--cron', 'every tuesday-ish'], /invalid schedule/],
    ['a cron field out of range', ['evacuate', 'host-a', '--cron', '99 3 * * *'], /invalid schedule/],
    ['an unknown host', ['evacuate', 'host-z', '--every', '24h'], /unknown host "host-z"/],
    ['both --cron and --every', ['evacuate', 'host-a', '--cron', '0 3 * * *', '--every', '1h'], /exactly one of/],
    ['neither --cron nor --every', ['evacuate', 'host-a'], /exactly one of/],
    ['an interval of zero', ['evacuate', 'host-a', '--every', '0s'], /--every: an interval such as/],
    ['a cap of zero', ['evacuate', 'host-a', '--every', '1h', '--concurrency', '0'], /cap must be/],
  ])('refuses %s: exit 2, one line, no schedule', async (_, args, message) => {
    const run = await cli(...args);
    expect(`${run.code} ${run.stderr}`).toMatch(/^2 /);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(message);
    expect(await schedules()).toEqual([]);
  });

  it('fires an evacuation; creating it again changes nothing; pause, unpause, delete', async () => {
    const made = await cli('evacuate', 'host-a', '--every', '2s', '--json');
    expect(made.code).toBe(0);
    expect(JSON.parse(made.stdout)).toEqual({
      scheduleId: 'evacuate-host-a',
      host: 'host-a',
      when: 'every 2s',
      created: true,
    });
    const again = await cli('evacuate', 'host-a', '--every', '2s');
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/unchanged \(already exists\): evacuate-host-a/);
    const other = await cli('evacuate', 'host-a', '--every', '3s');
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/already exists with other settings \(every 2s\)/);

    const fired = await firstRun(stack, 'evacuate-host-a');
    expect(fired).toMatch(/^evacuate-host-a-/);
    const result = evacuationResultSchema.parse(await stack.client.workflow.getHandle(fired).result());
    expect(result).toMatchObject({ host: 'host-a', outcome: 'evacuated' });
    expect(result.vms.map((v) => [v.vm, v.to, v.outcome])).toEqual([['vm-1', 'host-b', 'migrated']]);

    const [row] = await schedules();
    expect(row).toMatchObject({ scheduleId: 'evacuate-host-a', host: 'host-a', when: 'every 2s', paused: false });
    expect(row!.lastRun?.workflowId).toMatch(/^evacuate-host-a-/);
    expect((await cli('pause', 'evacuate-host-a')).stdout).toMatch(/paused evacuate-host-a/);
    expect((await schedules())[0]!.paused).toBe(true);
    expect((await cli('unpause', 'evacuate-host-a')).code).toBe(0);
    expect((await schedules())[0]!.paused).toBe(false);
    expect((await cli('delete', 'evacuate-host-a')).code).toBe(0);
    expect(await schedules()).toEqual([]);
    const gone = await cli('delete', 'evacuate-host-a');
    expect(gone.code).toBe(2);
    expect(gone.stderr).toMatch(/no schedule evacuate-host-a/);
  });
});

/** The workflow id of the schedule's first action, once it was taken. */
async function firstRun(stack: Stack, id: string): Promise<string> {
  const end = Date.now() + 20_000;
  for (;;) {
    const taken = (await stack.client.schedule.getHandle(id).describe()).info.recentActions[0];
    if (taken) return taken.action.workflow.workflowId;
    if (Date.now() > end) throw new Error(`schedule ${id} never fired`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
