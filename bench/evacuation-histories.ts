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
 * one's end marker to the workflow task in which the next one got its slot and planned (it was
 * started ahead and waited in its slot ask), then to its first atom on the host.
 */
async function queuedRefillSteps(client: Client, spans: readonly MigrationSpan[], perSource: number) {
  const steps: [string, number[]][] = [
    ['end marker → the next migration has its slot and plan (its workflow task done)', []],
    ['→ its first atom starts on the host', []],
    ['(the next migration had been started ahead by)', []],
  ];
  for (const source of new Set(spans.map((s) => s.source))) {
    const own = spans.filter((s) => s.source === source);
    const ends = own.map((s) => s.endMs).sort((a, b) => a - b);
    const next = [...own].sort((a, b) => a.startMs - b.startMs).slice(perSource);
    for (const [i, span] of next.entries()) {
      const events = (await client.workflow.getHandle(migrationWorkflowId(span.vmUuid)).fetchHistory()).events ?? [];
      const firstCommand = events.findIndex((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED);
      const task = events
        .slice(0, firstCommand)
        .reverse()
        .find((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
      if (!task) continue;
      steps[0]![1].push(at(task) - ends[i]!);
      steps[1]![1].push(span.startMs - at(task));
      steps[2]![1].push(ends[i]! - at(events[0]!));
    }
  }
  return summary(steps);
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
