// `liveshift migrate <vm> --to <host>`: start a migration, show its phases (or, with --watch, a live
// view), print the result.
import type { Client } from '@temporalio/client';
import { migrationRequestSchema, type MigrationResult } from '../../domain/request';
import { zodMessage } from '../../domain/zod-message';
import { progressQuery, type MigrationPhase } from '../../workflows/definitions';
import { connectClient, openState } from '../context';
import { EXIT, UsageError } from '../errors';
import { summary } from '../format';
import { startMigration, type MigrationHandle } from '../../client/migrations';
import { watchMigration } from '../watch/migration';

export interface MigrateOptions {
  to: string;
  plan: string;
  json?: boolean;
  wait: boolean;
  watch?: boolean;
}

export async function migrateCommand(vm: string, o: MigrateOptions): Promise<number> {
  const parsed = migrationRequestSchema.safeParse({ vm, to: o.to, plan: o.plan });
  if (!parsed.success) throw new UsageError(zodMessage(parsed.error));
  const sim = openState();
  const snapshot = sim.snapshot();
  sim.close();
  const client = await connectClient();
  const handle = await startMigration(client, snapshot, parsed.data);
  if (!o.wait) {
    console.log(o.json ? JSON.stringify({ workflowId: handle.workflowId }) : `started ${handle.workflowId}`);
    return EXIT.ok;
  }
  if (!o.json) console.error(`liveshift: migrating ${vm} → ${o.to} (${parsed.data.plan}) as ${handle.workflowId}`);
  const result = o.watch ? await watched(client, handle) : await phasesOnStderr(handle, o.json === true);
  if (result === null) return EXIT.interrupted;
  console.log(o.json ? JSON.stringify(result) : summary(result));
  return result.outcome === 'migrated' ? EXIT.ok : EXIT.failed;
}

async function phasesOnStderr(handle: MigrationHandle, json: boolean): Promise<MigrationResult> {
  const stopWatching = json ? () => undefined : watchPhases(handle);
  return handle.result().finally(stopWatching);
}

/** The live view on stdout; null when Ctrl-C stopped the watching (not the migration). */
async function watched(client: Client, handle: MigrationHandle): Promise<MigrationResult | null> {
  const end = await watchMigration(handle);
  if (end.kind === 'finished') return end.result;
  console.error(
    `liveshift: stopped watching; the migration goes on (liveshift status ${handle.workflowId}, liveshift abort ${handle.workflowId})`,
  );
  // The pending result() call would hold the process open.
  await client.connection.close();
  return null;
}

/** Prints each phase change on stderr while the migration runs (progress on long work). */
export function watchPhases(handle: MigrationHandle): () => void {
  let last: MigrationPhase | undefined;
  const timer = setInterval(() => {
    handle
      .query(progressQuery)
      .then((p) => {
        if (p.phase === last) return;
        last = p.phase;
        console.error(`  ${p.phase.padEnd(9)} atoms ${p.atomsDone}/${p.atomsTotal}`);
      })
      .catch(() => undefined);
  }, 300);
  return () => clearInterval(timer);
}
