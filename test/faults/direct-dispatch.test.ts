// Faults of the parts direct dispatch adds, inside the downtime window: the orchestrator (which
// runs the switchover) killed, and a destination host frozen (its agent accepts connections but
// answers nothing) for longer than the stream's silence bound. Each must end migrated or rolled
// back, the VM on exactly one host, nothing attached elsewhere, the audit clean.
import { afterEach, describe, expect, it } from 'vitest';
import type { PoolInput } from '../../domain/pool';
import type { MigrationResult } from '../../domain/request';
import { audit } from '../../sim/audit';
import type { Stack } from '../../workers/stack';
import { e2ePool } from '../helpers/pools';
import { stackFor } from '../helpers/server';
import { waitForPhase } from '../helpers/wait';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

/** A legacy window that lasts seconds: the SMAPIv1 disk attaches slowly inside it. */
const slowWindow = (name: string): PoolInput => e2ePool(name, { timeScale: 1, latencyMs: { nfs: { attach: 2500 } } });

function expectConsistent(s: Stack, r: MigrationResult): void {
  expect(['migrated', 'rolled-back']).toContain(r.outcome);
  const host = r.outcome === 'migrated' ? r.to : r.from;
  expect(s.sim.runningOn(r.vmUuid)).toEqual([host]);
  expect(s.sim.attachments(r.vmUuid).filter((a) => a.host !== host)).toEqual([]);
  expect(audit(s.sim.events())).toEqual([]);
}

describe('direct dispatch under faults', () => {
  it('survives the orchestrator killed in the middle of the window: the restarted one finishes it', async () => {
    stack = await stackFor(slowWindow(`orchestrator-crash-${Date.now()}`), {
      hostProcesses: true,
      orchestratorProcess: true,
    });
    const orchestrator = stack.orchestrator!;
    const handle = await stack.start({ vm: 'vm-1', to: 'host-b', plan: 'legacy' });
    await waitForPhase(handle, 'downtime');
    await new Promise((r) => setTimeout(r, 500));
    orchestrator.kill();
    const r = await handle.result();
    expect(orchestrator.restarts).toBe(1);
    expectConsistent(stack, r);
    expect(r.outcome).toBe('migrated');
  });

  it('recovers from a destination frozen for 3 s inside the window (its agent silent, not gone)', async () => {
    stack = await stackFor(slowWindow(`frozen-host-${Date.now()}`), { hostProcesses: true });
    const destination = stack.hosts.get('host-b')!;
    const handle = await stack.start({ vm: 'vm-1', to: 'host-b', plan: 'legacy' });
    await waitForPhase(handle, 'downtime');
    await new Promise((r) => setTimeout(r, 300));
    process.kill(destination.pid!, 'SIGSTOP');
    await new Promise((r) => setTimeout(r, 3_000));
    process.kill(destination.pid!, 'SIGCONT');
    const r = await handle.result();
    expectConsistent(stack, r);
    expect(destination.restarts).toBe(0);
  });
});
