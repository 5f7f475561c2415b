// `liveshift schedule …`: scheduled maintenance (evacuations) as Temporal Schedules, visible in
// the Web UI's Schedules page.
import { ScheduleNotFoundError } from '@temporalio/client';
import { listSchedules, scheduleEvacuation, type When } from '../../client/schedules';
import { connectClient, openState } from '../context';
import { EXIT, UsageError } from '../errors';
import { table } from '../format';
import { evacuationInput, type EvacuateOptions } from './evacuate';

export interface ScheduleEvacuateOptions extends Omit<EvacuateOptions, 'wait'> {
  cron?: string;
  every?: string;
}

function when(o: ScheduleEvacuateOptions): When {
  if ((o.cron === undefined) === (o.every === undefined))
    throw new UsageError('give exactly one of --cron "<expression>" or --every <interval>');
  return o.cron !== undefined ? { cron: o.cron } : { every: o.every! };
}

export async function scheduleEvacuateCommand(host: string, o: ScheduleEvacuateOptions): Promise<number> {
  const input = evacuationInput(host, { ...o, wait: false });
  const w = when(o);
  const sim = openState();
  const snapshot = sim.snapshot();
  sim.close();
  const made = await scheduleEvacuation(await connectClient(), snapshot, input, w);
  if (o.json) console.log(JSON.stringify(made));
  else console.log(`${made.created ? 'created' : 'unchanged (already exists)'}: ${made.scheduleId} — ${made.when}`);
  return EXIT.ok;
}

export async function scheduleListCommand(o: { json?: boolean }): Promise<number> {
  const rows = await listSchedules(await connectClient());
  if (o.json) console.log(JSON.stringify(rows));
  else
    console.log(
      table(
        ['schedule', 'host', 'when', 'paused', 'next run', 'last run'],
        rows.map((r) => [
          r.scheduleId,
          r.host,
          r.when,
          r.paused ? 'yes' : 'no',
          r.nextRun ?? '-',
          r.lastRun ? `${r.lastRun.at} ${r.lastRun.workflowId}` : '-',
        ]),
      ),
    );
  return EXIT.ok;
}

const DONE = { pause: 'paused', unpause: 'unpaused', delete: 'deleted' } as const;

export function scheduleActionCommand(action: 'pause' | 'unpause' | 'delete') {
  return async (id: string): Promise<number> => {
    const handle = (await connectClient()).schedule.getHandle(id);
    try {
      if (action === 'delete') await handle.delete();
      else await handle[action](`liveshift schedule ${action}`);
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) throw new UsageError(`no schedule ${id}`);
      throw err;
    }
    console.log(`${DONE[action]} ${id}`);
    return EXIT.ok;
  };
}
