// `liveshift report`: finished migrations as one self-contained HTML timeline (report/timeline.ts).
// Each id is `<workflowId>` (its latest run) or `<workflowId>@<runId>`: a VM's migrations all share
// the workflow id migrate-<vm uuid>, so comparing two of them needs their run ids.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { migrationResultSchema, type MigrationResult } from '../../domain/request';
import { zodMessage } from '../../domain/zod-message';
import { renderTimeline } from '../../report/timeline';
import { LIVE_MIGRATE_WORKFLOW } from '../../workflows/definitions';
import { config, connectClient } from '../context';
import { EXIT, UsageError } from '../errors';

export interface ReportOptions {
  out?: string;
}

export interface ReportTarget {
  /** As given on the command line, for messages. */
  id: string;
  workflowId: string;
  runId?: string;
}

const targetSchema = z.object({ workflowId: z.string().min(1), runId: z.string().uuid().optional() });

/** `<workflowId>` or `<workflowId>@<runId>`; anything else is bad input. */
export function parseTarget(id: string): ReportTarget {
  const at = id.lastIndexOf('@');
  const parts = at < 0 ? { workflowId: id } : { workflowId: id.slice(0, at), runId: id.slice(at + 1) };
  const parsed = targetSchema.safeParse(parts);
  if (!parsed.success)
    throw new UsageError(
      `"${id}": expected <workflowId> or <workflowId>@<runId> (${zodMessage(parsed.error).replace(/^runId: /, 'run id: ')})`,
    );
  return { id, ...parsed.data };
}

/** A completed liveMigrateVm run's result; an unknown id or any other workflow is bad input. */
async function migrationResult(client: Client, t: ReportTarget): Promise<MigrationResult> {
  const handle = client.workflow.getHandle(t.workflowId, t.runId);
  const desc = await handle.describe().catch((err: unknown) => {
    throw err instanceof WorkflowNotFoundError ? new UsageError(`no migration ${t.id}`) : err;
  });
  if (desc.type !== LIVE_MIGRATE_WORKFLOW) throw new UsageError(`${t.id} is a ${desc.type} workflow, not a migration`);
  if (desc.status.name !== 'COMPLETED')
    throw new UsageError(`migration ${t.id} is ${desc.status.name}, not COMPLETED: it has no result to report`);
  const parsed = migrationResultSchema.safeParse(await handle.result());
  if (!parsed.success) throw new Error(`migration ${t.id}: unreadable result (${zodMessage(parsed.error)})`);
  return parsed.data;
}

/** Writes the timeline of `results` to `file` (parents created) and prints its path. */
export function writeHtmlReport(file: string, results: readonly MigrationResult[]): void {
  mkdirSync(dirname(file), { recursive: true });
  const subtitle = `${results.length} migration${results.length === 1 ? '' : 's'}, made ${new Date().toISOString()}`;
  writeFileSync(file, renderTimeline(results, { subtitle }));
  console.log(`report: ${file}`);
}

export async function reportCommand(ids: string[], o: ReportOptions): Promise<number> {
  // Every id is checked before anything is fetched or written.
  const targets = ids.map(parseTarget);
  const client = await connectClient();
  const results: MigrationResult[] = [];
  for (const t of targets) results.push(await migrationResult(client, t));
  writeHtmlReport(o.out ?? join(dirname(config().stateFile), 'report.html'), results);
  return EXIT.ok;
}
