// What the workflows' own histories say about an evacuation: how long each run's history grew,
// and where a slot's refill goes — the steps between one migration's end marker on the hosts and
// the next migration's first atom, each timed by the server (history events) or by the hosts
// (spans). The server and the hosts run on one machine, so their clocks are one clock.
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { MigrationSpan } from '../domain/evacuation-measure';
import { migrationWorkflowId } from '../domain/ids';
import type { EvacuationResult } from '../workflows/evacuation-definitions';
import { median, percentile } from './stats';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const EventType = temporal.api.enums.v1.EventType;
const at = (e: HistoryEvent) => Number(e.eventTime?.seconds ?? 0) * 1000 + (e.eventTime?.nanos ?? 0) / 1e6;

export interface RefillStep {
  step: string;
  n: number;
  p50: number;
  p95: number;
}

/** Every run's events, oldest run first, once visibility lists every run the result counted. */
export async function evacuationRuns(client: Client, r: EvacuationResult): Promise<HistoryEvent[][]> {
  const query = `WorkflowId = '${r.workflowId}'`;
  for (let tries = 0; ; tries++) {
    const runs: { runId: string; start: number }[] = [];
    for await (const w of client.workflow.list({ query })) runs.push({ runId: w.runId, start: w.startTime.getTime() });
    if (runs.length >= r.runs || tries > 50) {
      runs.sort((a, b) => a.start - b.start);
      const history = (runId: string) => client.workflow.getHandle(r.workflowId, runId).fetchHistory();
      return Promise.all(runs.map(async (w) => (await history(w.runId)).events ?? []));
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The refill's steps, in order; their medians add up to about the refill's median. Evacuations
 * that queue their migrations ahead (`evacuation-queued-migrations`) have other steps than those
 * whose rounds placed them.
 */
export async function refillSteps(
  client: Client,
  evacuationRuns: HistoryEvent[][],
  spans: readonly MigrationSpan[],
  perSource: number,
): Promise<RefillStep[]> {
  const queued = evacuationRuns.some((events) => events.some(isQueuePatch));
  return queued ? queuedRefillSteps(client, spans, perSource) : roundRefillSteps(client, evacuationRuns, spans);
}

const isQueuePatch = (e: HistoryEvent) =>
  e.eventType === EventType.EVENT_TYPE_MARKER_RECORDED &&
  Buffer.from(e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data ?? []).includes(
    'evacuation-queued-migrations',
  );

const summary = (steps: [string, number[]][]): RefillStep[] =>
  steps.map(([step, xs]) => ({ step, n: xs.length, p50: median(xs), p95: percentile(xs, 95) }));

/**
 * Per source, the migration that took a freed slot (paired as in `refillGaps`): from the ended
 * one's end marker to the next one's first atom on the host. Since `slot-lead-direct` that atom
 * is dispatched by the workflow task that got the slot, in a local activity (its marker holds when
 * it was scheduled); before it, that task scheduled an activity the server dispatched.
 */
async function queuedRefillSteps(client: Client, spans: readonly MigrationSpan[], perSource: number) {
  const steps: [string, number[]][] = [
    ['end marker → the next migration has its slot and plan (its local activity for the first atom starts)', []],
    ['→ that first atom, sent direct to its host, starts there', []],
    ['end marker → the next migration has its slot and plan (its workflow task done)', []],
    ['→ its first atom, dispatched by the server, starts on the host', []],
    ['(the next migration had been started ahead by)', []],
  ];
  for (const source of new Set(spans.map((s) => s.source))) {
    const own = spans.filter((s) => s.source === source);
    const ends = own.map((s) => s.endMs).sort((a, b) => a - b);
    const next = [...own].sort((a, b) => a.startMs - b.startMs).slice(perSource);
    for (const [i, span] of next.entries()) {
      const events = (await client.workflow.getHandle(migrationWorkflowId(span.vmUuid)).fetchHistory()).events ?? [];
      const lead = leadStepScheduled(events);
      const task = lead === undefined ? taskBeforeFirstActivity(events) : undefined;
      const asked = lead ?? task;
      if (asked === undefined) continue;
      const [toSlot, toAtom] = lead === undefined ? [steps[2]!, steps[3]!] : [steps[0]!, steps[1]!];
      toSlot[1].push(asked - ends[i]!);
      toAtom[1].push(span.startMs - asked);
      steps[4]![1].push(ends[i]! - at(events[0]!));
    }
  }
  return summary(steps.filter(([, xs]) => xs.length > 0));
}

/** When the local activity running the first step direct was scheduled (`slot-lead-direct`). */
function leadStepScheduled(events: HistoryEvent[]): number | undefined {
  for (const e of events) {
    const data = e.markerRecordedEventAttributes?.details?.['data']?.payloads?.[0]?.data;
    if (e.markerRecordedEventAttributes?.markerName !== 'core_local_activity' || !data) continue;
    const marker = JSON.parse(Buffer.from(data).toString('utf8')) as {
      activity_type?: string;
      original_schedule_time?: { seconds?: number; nanos?: number };
    };
    const t = marker.original_schedule_time;
    if (marker.activity_type === 'leadStep' && t) return (t.seconds ?? 0) * 1000 + (t.nanos ?? 0) / 1e6;
  }
  return undefined;
}

/** The workflow task that scheduled the first activity: the one that had the slot. */
function taskBeforeFirstActivity(events: HistoryEvent[]): number | undefined {
  const firstCommand = events.findIndex((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED);
  const task = events
    .slice(0, firstCommand)
    .reverse()
    .find((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
  return task ? at(task) : undefined;
}

async function roundRefillSteps(
  client: Client,
  evacuationRuns: HistoryEvent[][],
  spans: readonly MigrationSpan[],
): Promise<RefillStep[]> {
  const bySpan = new Map(spans.map((s) => [migrationWorkflowId(s.vmUuid), s]));
  const steps: [string, number[]][] = [
    ['end marker → migration workflow completed', []],
    ['→ the evacuation starts the next (its workflow task: release, round)', []],
    ['→ the next migration workflow started', []],
    ['→ its first workflow task done (pool snapshot, plan)', []],
    ['→ its first atom starts on the host', []],
  ];
  const initiated = new Map<string, number>();
  for (const events of evacuationRuns) steps[1]![1].push(...roundGaps(events, initiated));
  for (const [workflowId, span] of bySpan) {
    const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
    const started = at(events[0]!);
    const firstTask = events.find((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
    steps[0]![1].push(at(events[events.length - 1]!) - span.endMs);
    const asked = initiated.get(workflowId);
    if (asked !== undefined) steps[2]![1].push(started - asked);
    if (firstTask) steps[3]![1].push(at(firstTask) - started);
    if (firstTask) steps[4]![1].push(span.startMs - at(firstTask));
  }
  return summary(steps);
}

/**
 * A child's completion → the start of the child that takes its slot (the next start the run
 * initiates after it; a start with no completion before it filled a slot free from the outset).
 * Records when each child was initiated, for the next step.
 */
function roundGaps(events: HistoryEvent[], initiated: Map<string, number>): number[] {
  const gaps: number[] = [];
  const ended: number[] = [];
  for (const e of events) {
    if (e.eventType === EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED) ended.push(at(e));
    const id = e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId;
    if (!id) continue;
    initiated.set(id, at(e));
    const freedBy = ended.shift();
    if (freedBy !== undefined) gaps.push(at(e) - freedBy);
  }
  return gaps;
}
