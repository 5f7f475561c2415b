// `liveshift evacuate … --watch`: the evacuation's live view, from its `progress` query and the
// `progress` query of each migration it is running (their workflow ids are in `running[]`).
import type { Client, WorkflowHandle, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { zodMessage } from '../../domain/zod-message';
import {
  evacuationProgressQuery,
  evacuationProgressSchema,
  evacuationResultSchema,
  type EvacuationProgress,
  type EvacuationResult,
} from '../../workflows/evacuation-definitions';
import { evacuationView } from './evacuation-view';
import { ChildProgress } from './children';
import { watch, withWatchDefaults, type WatchEnd, type WatchOptions } from './poll';

async function queryEvacuation(handle: WorkflowHandle): Promise<EvacuationProgress> {
  const parsed = evacuationProgressSchema.safeParse(await handle.query(evacuationProgressQuery));
  if (!parsed.success) throw new Error(`unexpected evacuation progress: ${zodMessage(parsed.error)}`);
  return parsed.data;
}

/** The first run's start: the evacuation may have continued as new since. */
async function startOf(client: Client, handle: WorkflowHandle): Promise<number> {
  const first =
    'firstExecutionRunId' in handle ? (handle as WorkflowHandleWithFirstExecutionRunId).firstExecutionRunId : null;
  const target = first ? client.workflow.getHandle(handle.workflowId, first) : handle;
  return target.describe().then(
    (d) => d.startTime.getTime(),
    () => Date.now(),
  );
}

/** The last frame: the closed evacuation's own answer, else the result told as progress. */
async function finalProgress(handle: WorkflowHandle, r: EvacuationResult): Promise<EvacuationProgress> {
  const fresh = await queryEvacuation(handle).catch(() => null);
  if (fresh?.phase === 'done') return fresh;
  const { host, caps, runs, vms } = r;
  return {
    host,
    phase: 'done',
    caps,
    abortRequested: null,
    total: vms.length,
    pending: [],
    running: [],
    finished: vms,
    runs,
  };
}

/**
 * Draws the evacuation `handle` until it ends: on stdout (a live view on a TTY, plain change lines
 * otherwise) and stopped by Ctrl-C, unless `o` gives a renderer or a signal. Resolves with the
 * checked result, or `{ kind: 'interrupted' }` when the operator stopped watching: the evacuation
 * goes on, and a pending `result()` still holds the client's connection (close it to exit).
 * Rejects with the workflow's failure, after the last frame is drawn.
 */
export async function watchEvacuation(
  client: Client,
  handle: WorkflowHandle,
  o: Partial<WatchOptions> = {},
): Promise<WatchEnd<EvacuationResult>> {
  const startedAt = await startOf(client, handle);
  const children = new ChildProgress(client);
  return withWatchDefaults(o, (options) =>
    watch(
      {
        sample: async () => {
          const p = await queryEvacuation(handle);
          const progress = await children.sample(p.running.map((r) => r.workflowId));
          return evacuationView(p, progress, Date.now(), startedAt);
        },
        run: handle.result().then((r) => evacuationResultSchema.parse(r)),
        final: async (r) => evacuationView(await finalProgress(handle, r), new Map(), r.endedAt, r.startedAt),
      },
      options,
    ),
  );
}
