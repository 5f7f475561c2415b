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

/** The refill's steps, in order; their medians add up to about the refill's median. */
export async function refillSteps(
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
  return steps.map(([step, xs]) => ({ step, n: xs.length, p50: median(xs), p95: percentile(xs, 95) }));
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
