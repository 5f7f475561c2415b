// `liveshift migrate … --watch`: the migration's live view, from its `progress` query.
import type { MigrationHandle } from '../../client/migrations';
import type { MigrationResult } from '../../domain/request';
import { zodMessage } from '../../domain/zod-message';
import { progressQuery, progressSchema, type Progress } from '../../workflows/definitions';
import { migrationView } from './migration-view';
import { watch, withWatchDefaults, type WatchEnd, type WatchOptions } from './poll';

/** The query's answer crosses the wire: checked, so a worker of another version reads as an error line. */
export async function queryProgress(handle: Pick<MigrationHandle, 'query'>): Promise<Progress> {
  const parsed = progressSchema.safeParse(await handle.query(progressQuery));
  if (!parsed.success) throw new Error(`unexpected progress: ${zodMessage(parsed.error)}`);
  return parsed.data;
}

/** Epoch ms of the workflow's start, so elapsed time agrees with the Web UI; now if it cannot be read. */
async function startOf(handle: MigrationHandle): Promise<number> {
  return handle.describe().then(
    (d) => d.startTime.getTime(),
    () => Date.now(),
  );
}

/**
 * The last frame: a query of the closed workflow has the measured downtime and every atom; if it
 * cannot be answered, the last progress seen completed with what the result says.
 */
async function finalProgress(handle: MigrationHandle, last: Progress | null, r: MigrationResult): Promise<Progress> {
  const fresh = await queryProgress(handle).catch(() => null);
  if (fresh?.phase === 'done') return fresh;
  const base: Progress = last ?? {
    phase: 'done',
    plan: r.plan,
    atomsDone: r.atoms.length,
    atomsTotal: r.atoms.length,
    abortRequested: null,
    outcome: null,
    vbds: [],
    timeline: [],
  };
  return { ...base, phase: 'done', outcome: r.outcome, downtimeMs: r.downtimeMs };
}

/**
 * Draws the migration until it ends (on stdout, stopped by Ctrl-C, unless `o` says otherwise);
 * returns its result, or `interrupted` when the operator stopped watching (the migration goes on).
 */
export async function watchMigration(
  handle: MigrationHandle,
  o: Partial<WatchOptions> = {},
): Promise<WatchEnd<MigrationResult>> {
  const startedAt = await startOf(handle);
  let last: Progress | null = null;
  return withWatchDefaults(o, (options) =>
    watch(
      {
        sample: async () => migrationView((last = await queryProgress(handle)), Date.now(), startedAt),
        run: handle.result(),
        final: async (result) => migrationView(await finalProgress(handle, last, result), Date.now(), startedAt),
      },
      options,
    ),
  );
}
