// Scheduled maintenance: a Temporal Schedule per host that starts evacuateHost. Created
// idempotently (the same settings again change nothing; other settings are refused, not silently
// applied), with an overlap policy that never piles evacuations up.
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleSummary } from '@temporalio/client';
import { z } from 'zod';
import { FailureType, LiveshiftError } from '../domain/errors';
import { ORCHESTRATOR_TASK_QUEUE } from '../domain/ids';
import type { PoolSnapshot } from '../domain/pool';
import type { evacuateHost } from '../workflows';
import { EVACUATE_WORKFLOW, type EvacuationRequestInput } from '../workflows/evacuation-definitions';
import { validateEvacuation } from './evacuations';

export const scheduleId = (host: string): string => `evacuate-${host}`;

/** When it fires: a cron expression (UTC) or a fixed interval such as 24h. */
export type When = { cron: string } | { every: string };

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
/** An interval in milliseconds; whole seconds at least, as Temporal schedules count them. */
const everySchema = z
  .string()
  .regex(/^[1-9]\d*[smhd]$/, 'an interval such as 90s, 30m, 24h or 7d')
  .transform((s) => Number(s.slice(0, -1)) * UNIT_MS[s.slice(-1) as keyof typeof UNIT_MS]);

function everyMs(text: string): number {
  const every = everySchema.safeParse(text);
  if (!every.success) throw refuse(`--every: ${every.error.issues[0]?.message ?? 'invalid interval'}`);
  return every.data;
}

const describeWhen = (w: When) => ('cron' in w ? `cron ${w.cron}` : `every ${w.every}`);

/** What the schedule records about itself, to tell the same request from a different one. */
const memoSchema = z.object({
  liveshift: z.literal('evacuate'),
  host: z.string(),
  when: z.string(),
  request: z.string(),
});

const refuse = (message: string) => new LiveshiftError(FailureType.BadRequest, message);

export interface ScheduleCreated {
  scheduleId: string;
  host: string;
  when: string;
  created: boolean;
}

export async function scheduleEvacuation(
  client: Client,
  pool: PoolSnapshot,
  input: EvacuationRequestInput,
  when: When,
): Promise<ScheduleCreated> {
  // A host being evacuated right now may still get a schedule for later.
  const request = validateEvacuation({ ...pool, evacuating: [] }, input);
  const spec = 'cron' in when ? { cronExpressions: [when.cron] } : { intervals: [{ every: everyMs(when.every) }] };
  const id = scheduleId(request.host);
  const memo = {
    liveshift: 'evacuate',
    host: request.host,
    when: describeWhen(when),
    request: JSON.stringify(request),
  };
  try {
    await client.schedule.create<typeof evacuateHost>({
      scheduleId: id,
      spec,
      action: {
        type: 'startWorkflow',
        workflowType: EVACUATE_WORKFLOW,
        taskQueue: ORCHESTRATOR_TASK_QUEUE,
        workflowId: id, // Temporal appends each run's scheduled time
        args: [{ request }],
        staticSummary: `scheduled evacuation of ${request.host}`,
      },
      // An evacuation still running when the next is due: skip that one, never queue them up.
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
      memo,
    });
    return { scheduleId: id, host: request.host, when: memo.when, created: true };
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw asBadInput(err);
  }
  const existing = memoSchema.safeParse((await client.schedule.getHandle(id).describe()).memo);
  if (!existing.success || existing.data.when !== memo.when || existing.data.request !== memo.request)
    throw refuse(
      `schedule ${id} already exists with other settings (${existing.success ? existing.data.when : 'not liveshift'}); delete it first`,
    );
  return { scheduleId: id, host: request.host, when: memo.when, created: false };
}

/**
 * Cron expressions are checked by the server; the SDK turns its INVALID_ARGUMENT into a TypeError.
 * Either way it is bad input, and nothing was created.
 */
function asBadInput(err: unknown): unknown {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof TypeError || /INVALID_ARGUMENT/.test(message))
    return refuse(`invalid schedule: ${message.replace(/^\d+ \w+: /, '')}`);
  return err;
}

export interface ScheduleRow {
  scheduleId: string;
  host: string;
  when: string;
  paused: boolean;
  nextRun: string | null;
  lastRun: { at: string; workflowId: string } | null;
}

export async function listSchedules(client: Client): Promise<ScheduleRow[]> {
  const rows: ScheduleRow[] = [];
  for await (const s of client.schedule.list()) {
    const memo = memoSchema.safeParse(s.memo);
    if (memo.success) rows.push(row(s, memo.data));
  }
  return rows.sort((a, b) => a.scheduleId.localeCompare(b.scheduleId));
}

function row(s: ScheduleSummary, memo: z.infer<typeof memoSchema>): ScheduleRow {
  const last = s.info.recentActions.at(-1);
  return {
    scheduleId: s.scheduleId,
    host: memo.host,
    when: memo.when,
    paused: s.state.paused,
    nextRun: s.info.nextActionTimes[0]?.toISOString() ?? null,
    lastRun: last ? { at: last.takenAt.toISOString(), workflowId: last.action.workflow.workflowId } : null,
  };
}
