// A destination host whose worker is gone: its atom fails within the documented bound
// (schedule-to-start), the VM keeps running on the source, and the record says what was left.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PHASE_POLICY } from '../../domain/phase-policy';
import type { Stack } from '../../workers/stack';
import { e2ePool } from '../helpers/pools';
import { stackFor } from '../helpers/server';

describe('dead destination host', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await stackFor(e2ePool(`dead-${Date.now()}`, { timeScale: 0.1 }), { hostProcesses: true });
    await stack.hosts.get('host-b')!.stop();
  });
  afterAll(() => stack.stop());

  it('fails the first atom within schedule-to-start and rolls back on the source', async () => {
    const started = Date.now();
    const r = await stack.migrate({ vm: 'vm-1', to: 'host-b' });
    const elapsed = Date.now() - started;
    expect(r.outcome).toBe('rolled-back');
    expect(stack.sim.runningOn(r.vmUuid)).toEqual(['host-a']);
    expect(r.reason).toMatch(/schedule.?to.?start|ScheduleToStart/i);
    expect(r.reason).toMatch(/destination cleanup incomplete/);
    // VM_create waits its schedule-to-start, then the destroy aimed at the dead host waits its own.
    const bound = (PHASE_POLICY.prepare.hostWaitMs ?? 0) + (PHASE_POLICY.rollback.hostWaitMs ?? 0);
    expect(elapsed).toBeGreaterThanOrEqual(bound);
    expect(elapsed).toBeLessThan(bound + 5_000);
    // Nothing happened on the dead host, so nothing is left there either.
    expect(stack.sim.attachments(r.vmUuid).every((a) => a.host === 'host-a')).toBe(true);
  });
});
