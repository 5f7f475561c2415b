// Behaviours a mutation run of the unit tests found unguarded. Each test here fails when the rule
// it names is broken, so the refactors around the interpreter cannot loosen them silently.
import { afterEach, describe, expect, it } from 'vitest';
import { atomsOf, type AtomCall } from '../../domain/atoms';
import { canAttachEarly } from '../../domain/early-attach';
import { FailureType } from '../../domain/errors';
import { MIGRATION_END_OP } from '../../domain/events';
import { storageLatencyMs } from '../../domain/latency';
import { planMigration } from '../../domain/planner';
import { planRollback } from '../../domain/rollback';
import { compareVersions } from '../../domain/versions';
import { audit } from '../../sim/audit';
import { loadPoolFile } from '../../sim/pool-file';
import { closeSims, EXAMPLE_POOL, expectFailure, openSim, planned, smallPool, stateDump } from './fixtures';

afterEach(closeSims);

const disk = { device: 'xvda', type: 'Disk', sr: 'v3', mode: 'RW', empty: false } as const;
const withSm = (version: string) =>
  smallPool({
    sms: [
      { type: 'zfs-vol', requiredApiVersion: version },
      { type: 'nfs', requiredApiVersion: '1.0' },
    ],
  });

describe('SM versions are compared as numbers, never as strings', () => {
  it.each([
    ['10.0', '3.0', 1],
    ['3.10', '3.9', 1],
    ['3', '3.0.0', 0],
    ['2.10', '10.2', -1],
  ] as const)('%s vs %s', (a, b, sign) => {
    expect(Math.sign(compareVersions(a, b))).toBe(sign);
  });

  it('an SM at requiredApiVersion "10.0" attaches early and is timed as SMAPIv3', () => {
    const pool = withSm('10.0');
    expect(canAttachEarly(pool, disk, 'host-b')).toMatchObject({ early: true, reason: 'smapiv3' });
    expect(storageLatencyMs(pool, 'zfs-vol', 'attach')).toBe(1200);
  });

  it('an SM at "2.10" stays below 3.0', () => {
    expect(canAttachEarly(withSm('2.10'), disk, 'host-b')).toMatchObject({ early: false, reason: 'sm-below-3.0' });
  });
});

describe('the early-attach decision is made per migration, never cached per SR', () => {
  it('follows the SM record of each snapshot, in either order', () => {
    const decide = (version: string) =>
      planMigration(withSm(version), { vm: 'vm-1', to: 'host-b', plan: 'early-attach' }, 'm').decisions[0]!;
    expect(decide('3.0').early).toBe(true);
    expect(decide('1.0').early).toBe(false);
    expect(decide('3.0').early).toBe(true);
  });

  it("is evaluated against each migration's destination for the same SR", () => {
    const pool = smallPool({
      hosts: [{ name: 'host-a' }, { name: 'host-b' }, { name: 'host-l', vbdPlugUnplugLegacy: true }],
    });
    const early = (to: string) =>
      planMigration(pool, { vm: 'vm-1', to, plan: 'early-attach' }, 'm').vbds.find((v) => v.device === 'xvda')!.early;
    expect([early('host-b'), early('host-l'), early('host-b')]).toEqual([true, false, true]);
  });
});

describe('policy allowEarlyAttach never overrides a destination with vbdPlugUnplugLegacy', () => {
  const pool = smallPool({
    hosts: [{ name: 'host-a' }, { name: 'host-l', vbdPlugUnplugLegacy: true }],
    policy: { allowEarlyAttach: ['nfs', 'zfs-vol'], denyEarlyAttach: [] },
  });

  it.each(['v1', 'v3'])('SR %s on a legacy host: not early, reason host-legacy', (sr) => {
    expect(canAttachEarly(pool, { ...disk, sr }, 'host-l')).toMatchObject({ early: false, reason: 'host-legacy' });
  });

  it('and the plan attaches every disk inside downtime there', () => {
    const { calls } = planned(pool, 'vm-1', 'host-l');
    expect(calls.filter((c) => c.atom === 'VBD_attach').every((c) => c.phase === 'downtime')).toBe(true);
  });
});

describe('the audit requires the VM to run on exactly one host when a migration ends', () => {
  const pool = smallPool();
  const { m } = planned(pool);
  const at = { vmUuid: m.vmUuid, migrationId: 'mig-1', startMs: 1, endMs: 1 };

  it('flags a VM left running nowhere (suspended, never resumed)', () => {
    const sim = openSim(pool);
    sim.appendEvent({ ...at, host: 'host-a', op: 'VM_suspend' });
    sim.appendEvent({ ...at, host: 'host-a', op: MIGRATION_END_OP });
    const violations = audit(sim.events());
    expect(violations.map((v) => v.invariant)).toEqual([2]);
    expect(violations[0]?.message).toMatch(/running on 0 hosts/);
  });

  it('flags a VM running on two hosts at the end', () => {
    const sim = openSim(pool);
    // Appended directly, as a toolstack without the unpause check would have done.
    sim.appendEvent({ ...at, host: 'host-b', op: 'VM_unpause' });
    sim.appendEvent({ ...at, host: 'host-b', op: MIGRATION_END_OP });
    const violations = audit(sim.events());
    expect(violations.map((v) => v.invariant)).toEqual([2, 2]);
    expect(violations[1]?.message).toMatch(/running on 2 hosts/);
  });
});

describe('no VBD_detach of an active VDI', () => {
  const pool = smallPool();
  const { pick } = planned(pool);
  const detachOnSource: AtomCall = { ...pick('VBD_detach', { device: 'xvda' }) };

  it('the hypervisor refuses it with a typed error and changes nothing', async () => {
    const sim = openSim(pool);
    const before = stateDump(sim);
    const err = await expectFailure(() => sim.run(detachOnSource, {}), FailureType.PreconditionFailed);
    expect(err.message).toMatch(/still active on host-a/);
    expect(stateDump(sim)).toEqual(before);
  });

  const example = loadPoolFile(EXAMPLE_POOL);
  const cases = example.vms.flatMap((vm) =>
    example.hosts
      .filter((h) => h.name !== vm.residentOn)
      .flatMap((h) => (['early-attach', 'legacy'] as const).map((plan) => [vm.name, h.name, plan] as const)),
  );

  /** Walks a sequence of atoms from the VM's initial state (its disks active on the source). */
  const detachesOfActive = (from: string, devices: string[], list: AtomCall[]): string[] => {
    const active = new Set(devices.map((d) => `${from}/${d}`));
    const bad: string[] = [];
    for (const c of list) {
      const key = `${c.host}/${c.vbd?.device}`;
      if (c.atom === 'VBD_activate') active.add(key);
      if (c.atom === 'VBD_deactivate') active.delete(key);
      if (c.atom === 'VBD_detach' && active.has(key)) bad.push(key);
    }
    return bad;
  };

  it.each(cases)('never in a plan or its rollback (%s -> %s, %s)', (vm, to, plan) => {
    const mig = planMigration(example, { vm, to, plan }, 'm');
    const calls = atomsOf(mig.plan);
    const devices = mig.vbds.map((v) => v.device);
    expect(detachesOfActive(mig.from, devices, calls)).toEqual([]);
    // Failures at every step inside downtime: what was attempted, then the compiled rollback.
    for (let i = calls.findIndex((c) => c.atom === 'VM_suspend'); i < calls.length; i++) {
      const attempted = calls.slice(0, i + 1);
      expect(
        detachesOfActive(mig.from, devices, [...attempted, ...atomsOf(planRollback(mig, attempted).plan)]),
      ).toEqual([]);
    }
  });
});

describe('VIF_plug and VBD_set_active stay out of the downtime window', () => {
  const example = loadPoolFile(EXAMPLE_POOL);
  const cases = example.vms.flatMap((vm) =>
    example.hosts
      .filter((h) => h.name !== vm.residentOn)
      .flatMap((h) => (['early-attach', 'legacy'] as const).map((plan) => [vm.name, h.name, plan] as const)),
  );

  it.each(cases)('%s -> %s (%s): planned in prepare, before VM_suspend', (vm, to, plan) => {
    const calls = atomsOf(planMigration(example, { vm, to, plan }, 'm').plan);
    const suspend = calls.findIndex((c) => c.atom === 'VM_suspend');
    const prep = calls
      .map((c, i) => ({ c, i }))
      .filter(({ c }) => c.atom === 'VIF_plug' || c.atom === 'VBD_set_active');
    expect(prep.length).toBeGreaterThan(0);
    for (const { c, i } of prep) {
      expect(c.phase).toBe('prepare');
      expect(i).toBeLessThan(suspend);
    }
  });
});
