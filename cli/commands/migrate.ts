// `liveshift migrate <vm> --to <host>`: start a migration, show its phases, print the result.
import { migrationRequestSchema } from '../../domain/request';
import { zodMessage } from '../../domain/zod-message';
import { progressQuery, type MigrationPhase } from '../../workflows/definitions';
import { connectClient, openState } from '../context';
import { EXIT, UsageError } from '../errors';
import { summary } from '../format';
import { startMigration, type MigrationHandle } from '../../client/migrations';

export interface MigrateOptions {
  to: string;
  plan: string;
  json?: boolean;
  wait: boolean;
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
  const stopWatching = o.json ? () => undefined : watchPhases(handle);
  const result = await handle.result().finally(stopWatching);
  console.log(o.json ? JSON.stringify(result) : summary(result));
  return result.outcome === 'migrated' ? EXIT.ok : EXIT.failed;
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
