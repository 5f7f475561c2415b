// Failures before and after suspend roll back: the VM runs on the source, nothing is left on the
// destination, and the audit finds no violation.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectRolledBackCleanly } from '../helpers/assertions';
import { e2ePool } from '../helpers/pools';
import { stackFor } from '../helpers/server';
import type { Stack } from '../../workers/stack';

describe('rollback', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await stackFor(e2ePool('rollback', { timeScale: 0.2 }));
  });
  afterAll(() => stack.stop());
  afterEach(() => stack.sim.clearFaults());

  it('rolls back when an early VBD_attach keeps failing (before suspend)', async () => {
    // 10 failures outlast the prepare-phase retry policy (4 attempts).
    stack.sim.addFault({ atom: 'VBD_attach', host: 'host-b', vm: 'vm-1', device: 'xvdb', effect: 'fail', times: 10 });
    const r = await stack.migrate({ vm: 'vm-1', to: 'host-b' });
    expectRolledBackCleanly(stack, r);
    expect(r.reason).toMatch(/injected fault: VBD_attach failed on host-b/);
    expect(r.atoms.some((a) => a.atom === 'VM_suspend')).toBe(false);
    expect(r.downtimeMs).toBe(0);
    // The other early disk was attached, then detached again by the rollback.
    expect(
      r.atoms
        .filter((a) => a.atom === 'VBD_detach' && a.host === 'host-b')
        .map((a) => a.device)
        .sort(),
    ).toEqual(['xvda', 'xvdb']);
  });

  it('rolls back when VBD_activate keeps failing (after suspend) and resumes the VM on the source', async () => {
    stack.sim.addFault({ atom: 'VBD_activate', host: 'host-b', vm: 'vm-1', device: 'xvdc', effect: 'fail', times: 10 });
    const r = await stack.migrate({ vm: 'vm-1', to: 'host-b' });
    expectRolledBackCleanly(stack, r);
    // Downtime is the real pause: source suspend to source unpause.
    const suspend = r.atoms.find((a) => a.atom === 'VM_suspend')!;
    const resume = r.atoms.find((a) => a.atom === 'VM_unpause' && a.host === 'host-a')!;
    expect(r.downtimeMs).toBeCloseTo(resume.endMs - suspend.endMs, 0);
    expect(r.atoms.some((a) => a.atom === 'VM_unpause' && a.host === 'host-b')).toBe(false);
    // Nothing stays writable on the destination before the source reactivates.
    const dstDeactivate = r.atoms.filter((a) => a.atom === 'VBD_deactivate' && a.host === 'host-b');
    const srcReactivate = r.atoms.filter((a) => a.atom === 'VBD_activate' && a.host === 'host-a');
    expect(dstDeactivate.length).toBeGreaterThan(0);
    expect(Math.max(...dstDeactivate.map((a) => a.endMs))).toBeLessThanOrEqual(
      Math.min(...srcReactivate.map((a) => a.startMs)),
    );
  });

  it('migrates normally once the faults are spent', async () => {
    const r = await stack.migrate({ vm: 'vm-1', to: 'host-b' });
    expect(r.outcome).toBe('migrated');
    expect(stack.sim.runningOn(r.vmUuid)).toEqual(['host-b']);
    expect(stack.sim.attachments(r.vmUuid).every((a) => a.host === 'host-b')).toBe(true);
  });
});
