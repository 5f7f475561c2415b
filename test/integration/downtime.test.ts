// End to end on the real dev server: one VM with two SMAPIv3 disks and one SMAPIv1 disk, migrated
// with each plan. Early attach must save exactly the attach time legacy puts inside downtime.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MigrationResult } from '../../domain/request';
import { audit } from '../../sim/audit';
import { e2ePool } from '../helpers/pools';
import { stackFor } from '../helpers/server';
import type { Stack } from '../../workers/stack';
import { attachOnDowntimePath } from '../../domain/measure';

describe('downtime saved by early attach', () => {
  let stack: Stack;
  let early: MigrationResult;
  let legacy: MigrationResult;

  beforeAll(async () => {
    // A slow SMAPIv3 attach makes the saving large against dispatch jitter.
    stack = await stackFor(e2ePool('e2e-downtime', { latencyMs: { 'zfs-vol': { attach: 2500 } } }));
    early = await stack.migrate({ vm: 'vm-1', to: 'host-b', plan: 'early-attach' });
    legacy = await stack.migrate({ vm: 'vm-1', to: 'host-a', plan: 'legacy' });
  });
  afterAll(() => stack.stop());

  it('migrates with both plans and breaks no invariant', () => {
    expect([early.outcome, legacy.outcome]).toEqual(['migrated', 'migrated']);
    expect(stack.sim.runningOn(early.vmUuid)).toEqual(['host-a']);
    expect(audit(stack.sim.events())).toEqual([]);
  });

  it('attaches exactly the SMAPIv3 disks early', () => {
    expect(early.earlyAttached).toEqual(['xvda', 'xvdb']);
    expect(legacy.earlyAttached).toEqual([]);
  });

  it("keeps every VBD_attach of an early disk out of the early plan's downtime", () => {
    const inDowntime = early.atoms.filter((a) => a.atom === 'VBD_attach' && a.inDowntime).map((a) => a.device);
    expect(inDowntime).toEqual(['xvdc']);
    const earlyAttaches = early.atoms.filter(
      (a) => a.atom === 'VBD_attach' && early.earlyAttached.includes(a.device ?? ''),
    );
    expect(earlyAttaches).toHaveLength(2);
    expect(earlyAttaches.every((a) => !a.inDowntime)).toBe(true);
  });

  it('saves the attach time legacy puts on the downtime critical path (within 10%)', () => {
    const saved = legacy.downtimeMs - early.downtimeMs;
    const attachOnPath = attachOnDowntimePath(legacy) - attachOnDowntimePath(early);
    expect(attachOnPath).toBeGreaterThan(2000);
    expect(Math.abs(saved - attachOnPath)).toBeLessThanOrEqual(0.1 * attachOnPath);
  });

  it('reports downtime as measured by the hosts: suspend end to unpause end', () => {
    const suspend = early.atoms.find((a) => a.atom === 'VM_suspend')!;
    const unpause = early.atoms.find((a) => a.atom === 'VM_unpause' && a.host === 'host-b')!;
    expect(early.downtimeMs).toBeCloseTo(unpause.endMs - suspend.endMs, 0);
    expect(early.idleInDowntimeMs).toBeGreaterThanOrEqual(0);
    expect(early.idleInDowntimeMs).toBeLessThan(early.downtimeMs);
  });
});
