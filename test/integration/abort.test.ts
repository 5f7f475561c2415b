// The `abort` update: accepted before the point of no return (and rolls back), refused after it;
// and a second migration of a VM that is already migrating is refused.
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FailureType, LiveshiftError } from '../../domain/errors';
import { memoryModel } from '../../domain/latency';
import { abortUpdate, progressQuery } from '../../workflows/definitions';
import { expectRolledBackCleanly } from '../helpers/assertions';
import { e2ePool } from '../helpers/pools';
import { stackFor } from '../helpers/server';
import type { Stack } from '../../workers/stack';
import { waitForPhase } from '../helpers/wait';

describe('abort and duplicate requests', () => {
  let stack: Stack;
  beforeAll(async () => {
    // Big memory: pre-copy lasts seconds. Slow detach: the cleanup phase lasts seconds.
    const pool = e2ePool('abort', {
      timeScale: 0.5,
      latencyMs: { 'zfs-vol': { detach: 4000 }, nfs: { detach: 4000 } },
    });
    pool.vms![0]!.memoryMiB = 16384;
    stack = await stackFor(pool);
  });
  afterAll(() => stack.stop());

  it('rolls back when aborted during pre-copy, cancelling the pre-copy at once', async () => {
    const handle = await stack.start({ vm: 'vm-1', to: 'host-b' });
    await waitForPhase(handle, 'precopy');
    const abortedAt = Date.now();
    const accepted = await handle.executeUpdate(abortUpdate, { args: [{ reason: 'maintenance window closed' }] });
    expect(accepted).toEqual({ accepted: true, phase: 'precopy' });
    const r = await handle.result();
    const rollbackMs = Date.now() - abortedAt;
    expectRolledBackCleanly(stack, r);
    expect(r.reason).toMatch(/maintenance window closed/);
    expect(r.downtimeMs).toBe(0);
    // Pre-copy of 16 GiB at timeScale 0.5 takes over 7 s: it was cut short, not waited for.
    expect(memoryModel(16384, 20, 1100).precopyMs * 0.5).toBeGreaterThan(7000);
    expect(r.atoms.some((a) => a.atom === 'VM_precopy')).toBe(false);
    expect(rollbackMs).toBeLessThan(5000);
  });

  it('refuses a second migration of a VM that is already migrating', async () => {
    const first = await stack.start({ vm: 'vm-1', to: 'host-b' });
    const second = stack.start({ vm: 'vm-1', to: 'host-b', plan: 'legacy' });
    await expect(second).rejects.toThrow(LiveshiftError);
    await expect(second).rejects.toThrow(/VM "vm-1" is already migrating \(workflow migrate-/);
    await expect(second).rejects.toMatchObject({ type: FailureType.BadRequest });
    await waitForPhase(first, 'cleanup');
    // After the destination unpause the migration only goes forward.
    const refused = first.executeUpdate(abortUpdate, { args: [{}] });
    await expect(refused).rejects.toThrow(WorkflowUpdateFailedError);
    await expect(refused.catch((e: Error) => e.cause instanceof Error && e.cause.message)).resolves.toMatch(
      /too late to abort/,
    );
    const r = await first.result();
    expect(r.outcome).toBe('migrated');
    expect((await first.query(progressQuery)).abortRequested).toBeNull();
  });

  it('rejects malformed abort arguments in the validator', async () => {
    const handle = await stack.start({ vm: 'vm-1', to: 'host-a' });
    const bad = handle.executeUpdate(abortUpdate, { args: [{ reason: '', extra: 1 } as never] });
    await expect(bad.catch((e: Error) => e.cause instanceof Error && e.cause.message)).resolves.toMatch(
      /invalid abort arguments/,
    );
    expect((await handle.result()).outcome).toBe('migrated');
  });
});
