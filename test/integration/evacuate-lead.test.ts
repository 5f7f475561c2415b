// An evacuation's migration runs its first step (the destination VM_create) direct, from the
// workflow task that was granted its slot (patch `slot-lead-direct`): its history holds a local
// activity where an activity on the destination's task queue was, the destination's own log times
// the atom, and when that step fails the migration rolls back and leaves nothing behind.
import type { temporal } from '@temporalio/proto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MigrationResult } from '../../domain/request';
import { startEvacuation } from '../../client/evacuations';
import type { Stack } from '../../workers/stack';
import { expectRolledBackCleanly } from '../helpers/assertions';
import { e2ePool } from '../helpers/pools';
import { stackFor } from '../helpers/server';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** Three copies of the end-to-end pool's VM on host-a (one VIF, two SMAPIv3 disks, one SMAPIv1). */
const base = e2ePool('lead').vms![0]!;
const leadPool = e2ePool('lead', { timeScale: 0.05, vms: ['l1', 'l2', 'l3'].map((name) => ({ ...base, name })) });

/** The local activities a history ran, by name, and its activities on host task queues. */
function dispatchOf(events: HistoryEvent[]) {
  const local = events.flatMap((e) => {
    const data = e.markerRecordedEventAttributes?.details?.['data']?.payloads?.[0]?.data;
    if (e.markerRecordedEventAttributes?.markerName !== 'core_local_activity' || !data) return [];
    return [(JSON.parse(Buffer.from(data).toString('utf8')) as { activity_type: string }).activity_type];
  });
  const queued = events.flatMap((e) => {
    const a = e.activityTaskScheduledEventAttributes;
    return a ? [`${a.activityType?.name}@${a.taskQueue?.name}`] : [];
  });
  return { local, queued };
}

describe('an evacuation migration granted its slot', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await stackFor(leadPool);
  });
  afterAll(() => stack.stop());
  afterEach(() => stack.sim.clearFaults());

  const evacuate = async (host: string) => {
    const handle = await startEvacuation(stack.client, stack.sim.snapshot(), { host, caps: { perSource: 1 } });
    const result = await handle.result();
    const migrations = await Promise.all(
      result.vms.map(async (v) => {
        const h = stack.client.workflow.getHandle(v.workflowId!);
        const events = (await h.fetchHistory()).events ?? [];
        return { vm: v, result: (await h.result()) as MigrationResult, events };
      }),
    );
    return { result, migrations };
  };

  it('runs its first atom direct on the destination, then the rest of prepare through the task queues', async () => {
    const { result, migrations } = await evacuate('host-a');
    expect(result.outcome).toBe('evacuated');
    for (const { result: r, events } of migrations) {
      expect(r.outcome).toBe('migrated');
      const { local, queued } = dispatchOf(events);
      expect(local.filter((name) => name === 'leadStep')).toHaveLength(1);
      expect(queued.some((a) => a.startsWith('VM_create@'))).toBe(false);
      expect(queued).toContain('VIF_plug@host-host-b');
      // The destination timed the atom itself, and it came first.
      const first = [...r.atoms].sort((a, b) => a.startMs - b.startMs)[0]!;
      expect({ atom: first.atom, host: first.host }).toEqual({ atom: 'VM_create', host: 'host-b' });
    }
  });

  it('rolls back and leaves nothing on the destination when that first atom keeps failing', async () => {
    // 10 failures outlast the prepare phase's attempts on the agent as on a task queue.
    stack.sim.addFault({ atom: 'VM_create', host: 'host-a', vm: 'l2', effect: 'fail', times: 10 });
    const { result, migrations } = await evacuate('host-b');
    expect(result.outcome).toBe('partial');
    const failed = migrations.find((m) => m.vm.vm === 'l2')!;
    expectRolledBackCleanly(stack, failed.result);
    expect(failed.result.reason).toMatch(/injected fault: VM_create failed on host-a/);
    expect(failed.vm.reason).toMatch(/injected fault: VM_create failed on host-a/);
    for (const other of migrations.filter((m) => m.vm.vm !== 'l2')) expect(other.result.outcome).toBe('migrated');
  });
});
