// Waiting on a running migration's phase through the `progress` query.
import type { MigrationHandle } from '../../client/migrations';
import { progressQuery, type MigrationPhase } from '../../workflows/definitions';

export async function waitForPhase(handle: MigrationHandle, phase: MigrationPhase, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const p = await handle.query(progressQuery).catch(() => null);
    if (p?.phase === phase) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`migration ${handle.workflowId} did not reach phase ${phase} within ${timeoutMs} ms`);
}
