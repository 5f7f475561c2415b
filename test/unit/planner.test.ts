import { describe, expect, it } from 'vitest';
import { atomsOf, renderPlan, type AtomCall, type Plan } from '../../domain/atoms';
import { canAttachEarly } from '../../domain/early-attach';
import { planRollback } from '../../domain/rollback';
import { loadPoolFile } from '../../sim/pool-file';
import { EXAMPLE_POOL, planned, smallPool } from './fixtures';

const example = loadPoolFile(EXAMPLE_POOL);
const srType = (sr: string | undefined) => example.srs.find((s) => s.name === sr)?.type;
const devs = (calls: AtomCall[]) => calls.map((c) => c.vbd?.device).sort();
const cases = example.vms.flatMap((vm) =>
  example.hosts.filter((h) => h.name !== vm.residentOn).map((h) => [vm.name, h.name] as const),
);

describe('planMigration on examples/pool.yaml', () => {
  it.each(cases)('early-attach plan for %s -> %s attaches exactly the SMAPIv3 disks in prepare', (vmName, to) => {
    const vm = example.vms.find((v) => v.name === vmName)!;
    const { calls } = planned(example, vmName, to, 'early-attach');
    const disks = vm.vbds.filter((v) => !v.empty);
    const v3 = disks
      .filter((v) => srType(v.sr) === 'zfs-vol')
      .map((v) => v.device)
      .sort();
    const attaches = calls.filter((c) => c.atom === 'VBD_attach');
    expect(devs(attaches.filter((c) => c.phase === 'prepare'))).toEqual(v3);
    expect(devs(attaches.filter((c) => c.phase === 'downtime'))).toEqual(
      disks
        .filter((v) => srType(v.sr) !== 'zfs-vol')
        .map((v) => v.device)
        .sort(),
    );
    expect(attaches.every((c) => c.host === to)).toBe(true);
    expect(devs(calls.filter((c) => c.atom === 'VBD_activate'))).toEqual(disks.map((v) => v.device).sort());
  });

  it.each(cases)('legacy plan for %s -> %s attaches every disk inside downtime', (vmName, to) => {
    const { calls, m } = planned(example, vmName, to, 'legacy');
    const attaches = calls.filter((c) => c.atom === 'VBD_attach');
    expect(attaches.length).toBe(m.vbds.length);
    expect(attaches.every((c) => c.phase === 'downtime')).toBe(true);
    expect(m.decisions.every((d) => !d.early)).toBe(true);
  });

  it.each(cases)('downtime of %s -> %s: suspend first, unpause last, rename before every activate', (vmName, to) => {
    for (const kind of ['early-attach', 'legacy'] as const) {
      const names = planned(example, vmName, to, kind)
        .calls.filter((c) => c.phase === 'downtime')
        .map((c) => c.atom);
      expect(names[0]).toBe('VM_suspend');
      expect(names.at(-1)).toBe('VM_unpause');
      expect(names.indexOf('VM_rename')).toBeLessThan(names.indexOf('VBD_activate'));
      expect(names.lastIndexOf('VBD_attach')).toBeLessThan(names.indexOf('VM_rename'));
      expect(names.lastIndexOf('VBD_deactivate')).toBeLessThan(names.indexOf('VBD_activate'));
    }
  });

  it('keeps read-write before read-only, also inside the early attach group (app-01)', () => {
    const { m } = planned(example, 'app-01', 'host-a', 'early-attach');
    const groups = (phase: string, prefix: string) => {
      const p = (m.plan.kind === 'serial' ? m.plan.steps : []).find((s) => s.kind !== 'atom' && s.label === phase)!;
      return (p.kind === 'atom' ? [] : p.steps)
        .filter((s): s is Extract<Plan, { kind: 'parallel' }> => s.kind === 'parallel' && s.label.startsWith(prefix))
        .map((g) => [g.label, devs(atomsOf(g))]);
    };
    expect(groups('prepare', 'early VBD_attach')).toEqual([
      ['early VBD_attach RW', ['xvda']],
      ['early VBD_attach RO', ['xvdb']],
    ]);
    expect(groups('downtime', 'late VBD_attach')).toEqual([['late VBD_attach RW', ['xvdc', 'xvde']]]);
    expect(groups('downtime', 'VBD_activate')).toEqual([
      ['VBD_activate RW', ['xvda', 'xvdc', 'xvde']],
      ['VBD_activate RO', ['xvdb']],
    ]);
  });

  it('skips the empty CD of web-01: no VBD atom, decision empty-cd', () => {
    const { m, calls } = planned(example, 'web-01', 'host-b');
    expect(calls.some((c) => c.vbd?.device === 'xvdd')).toBe(false);
    expect(m.decisions.find((d) => d.device === 'xvdd')).toMatchObject({ early: false, reason: 'empty-cd' });
    expect(m.vbds.map((v) => v.device)).toEqual(['xvda']);
  });

  it('uses the temporary id before the rename and the real id after it', () => {
    const { m, pick } = planned(example, 'db-01', 'host-c');
    expect(m.tempId).not.toBe(m.vmUuid);
    expect(pick('VM_create').domId).toBe(m.tempId);
    expect(pick('VBD_attach', { device: 'xvdc' }).domId).toBe(m.tempId);
    expect(pick('VM_rename')).toMatchObject({ domId: m.tempId, renameTo: m.vmUuid, host: 'host-c' });
    expect(pick('VBD_activate', { device: 'xvda' }).domId).toBe(m.vmUuid);
    expect(pick('VM_suspend').host).toBe('host-b');
    expect(renderPlan(m.plan)).toContain('    VM_create @host-c');
  });
});

describe('canAttachEarly', () => {
  const pool = smallPool({
    hosts: [{ name: 'host-a' }, { name: 'host-b' }, { name: 'host-l', vbdPlugUnplugLegacy: true }],
    sms: [
      { type: 'zfs-vol', requiredApiVersion: '3.0' },
      { type: 'nfs', requiredApiVersion: '1.0' },
      { type: 'iscsi', requiredApiVersion: '1.0' },
      { type: 'ceph', requiredApiVersion: '3.1' },
      { type: 'ext', requiredApiVersion: '2.9.9' },
    ],
    srs: [
      { name: 'v3', type: 'zfs-vol', shared: true },
      { name: 'v1', type: 'nfs', shared: true },
      { name: 'is', type: 'iscsi', shared: true },
      { name: 'ce', type: 'ceph', shared: true },
      { name: 'ex', type: 'ext', shared: true },
      { name: 'odd', type: 'no-such-sm', shared: true },
    ],
    policy: { allowEarlyAttach: ['iscsi'], denyEarlyAttach: ['ceph'] },
  });
  const vbd = (sr: string | undefined, empty = false) =>
    ({ device: 'xvda', type: empty ? 'CD' : 'Disk', sr, mode: 'RW', empty }) as const;

  it.each([
    ['empty CD', vbd(undefined, true), 'host-b', false, 'empty-cd'],
    ['legacy host', vbd('v3'), 'host-l', false, 'host-legacy'],
    ['denied type', vbd('ce'), 'host-b', false, 'policy-deny'],
    ['allowed SMAPIv1 type', vbd('is'), 'host-b', true, 'policy-allow'],
    ['SMAPIv3', vbd('v3'), 'host-b', true, 'smapiv3'],
    ['SMAPIv1', vbd('v1'), 'host-b', false, 'sm-below-3.0'],
    ['2.9.9 < 3.0', vbd('ex'), 'host-b', false, 'sm-below-3.0'],
    ['no SM record', vbd('odd'), 'host-b', false, 'no-sm'],
  ] as const)('%s', (_name, v, to, early, reason) => {
    expect(canAttachEarly(pool, v, to)).toMatchObject({ device: 'xvda', early, reason });
  });

  it('is evaluated against the destination host', () => {
    expect(canAttachEarly(pool, vbd('v3'), 'host-l').early).toBe(false);
    expect(canAttachEarly(pool, vbd('v3'), 'host-b').early).toBe(true);
    const legacyDst = planned(pool, 'vm-1', 'host-l').calls.filter((c) => c.atom === 'VBD_attach');
    expect(legacyDst.every((c) => c.phase === 'downtime')).toBe(true);
  });
});

describe('planRollback', () => {
  // The read-only disk is listed first, so RW-before-RO has to be the rollback's own doing.
  const pool = smallPool({
    vms: [
      {
        name: 'vm-1',
        residentOn: 'host-a',
        memoryMiB: 256,
        vbds: [
          { device: 'xvda', sr: 'v1', mode: 'RO' },
          { device: 'xvdb', sr: 'v3', mode: 'RW' },
        ],
      },
    ],
  });
  const { m, calls } = planned(pool);
  const shape = (calls: AtomCall[]) =>
    calls.map((c) => `${c.atom}${c.vbd ? ` ${c.vbd.device}` : ''}@${c.host}/${c.domId === m.tempId ? 'temp' : 'real'}`);

  it('before suspend: detaches what the destination attached and destroys the temporary domain', () => {
    const attempted = calls.slice(
      0,
      calls.findIndex((c) => c.atom === 'VM_suspend'),
    );
    const undo = atomsOf(planRollback(m, attempted).plan);
    expect(shape(undo)).toEqual(['VBD_detach xvdb@host-b/temp', 'VM_destroy@host-b/temp']);
    expect(undo.every((c) => c.phase === 'rollback' && c.migrationId === 'mig-1')).toBe(true);
  });

  it('after suspend: deactivate destination, re-activate source RW then RO, unpause source, then clean destination', () => {
    const attempted = calls.slice(
      0,
      calls.indexOf(calls.find((c) => c.atom === 'VBD_activate' && c.vbd?.mode === 'RO')!) + 1,
    );
    const { phases, plan: undo } = planRollback(m, attempted);
    const steps = (p: Plan) =>
      p.kind === 'atom' ? [] : p.steps.map((s) => (s.kind === 'atom' ? s.call.atom : s.label));
    expect(steps(phases.restore.plan)).toEqual([
      'destination VBD_deactivate',
      'source VBD_activate RW',
      'source VBD_activate RO',
      'VM_unpause',
    ]);
    expect(steps(phases.cleanDestination.plan)).toEqual(['destination VBD_detach', 'VM_destroy', 'VM_destroy']);
    // The VM is paused until the restore ends: it is dispatched directly; the clean-up after it is not.
    expect([phases.restore.dispatch, phases.cleanDestination.dispatch]).toEqual(['direct', 'task-queue']);
    expect(shape(atomsOf(undo))).toEqual([
      'VBD_deactivate xvdb@host-b/real',
      'VBD_deactivate xvda@host-b/real',
      'VBD_activate xvdb@host-a/real',
      'VBD_activate xvda@host-a/real',
      'VM_unpause@host-a/real',
      'VBD_detach xvdb@host-b/real',
      'VBD_detach xvda@host-b/real',
      'VM_destroy@host-b/real',
      'VM_destroy@host-b/temp',
    ]);
  });

  it('after suspend, before the rename: source back in RW-then-RO order, destination cleaned under the temporary id', () => {
    const attempted = calls.slice(
      0,
      calls.findIndex((c) => c.atom === 'VM_rename'),
    );
    expect(shape(atomsOf(planRollback(m, attempted).plan))).toEqual([
      'VBD_activate xvdb@host-a/real',
      'VBD_activate xvda@host-a/real',
      'VM_unpause@host-a/real',
      'VBD_detach xvdb@host-b/temp',
      'VBD_detach xvda@host-b/temp',
      'VM_destroy@host-b/temp',
    ]);
  });
});
