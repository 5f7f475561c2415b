// The plan language's semantics (domain/interpret.ts): order, settle-all on failure, the cut into
// host runs that direct dispatch hands to the hosts, and the pruning a resumed host run relies on.
import { describe, expect, it } from 'vitest';
import { Atom, atomsOf, Parallel, Serial, type AtomCall, type Plan } from '../../domain/atoms';
import {
  atomKey,
  hostRunsOf,
  interpret,
  interpretByHost,
  splitByHost,
  successors,
  withoutAtoms,
} from '../../domain/interpret';
import { isEmptyPhase, splitLead } from '../../domain/phases';
import { planMigration } from '../../domain/planner';
import { planRollback } from '../../domain/rollback';
import { loadPoolFile } from '../../sim/pool-file';
import { EXAMPLE_POOL } from './fixtures';

const call = (atom: AtomCall['atom'], host: string, device?: string): Plan =>
  Atom({
    atom,
    host,
    phase: 'downtime',
    migrationId: 'm',
    vmUuid: 'u',
    vmName: 'vm',
    domId: 'd',
    ...(device ? { vbd: { device, vdi: `v-${device}`, mode: 'RW', srType: 'zfs-vol' } } : {}),
  });

const window = Serial('downtime', [
  call('VM_suspend', 'a'),
  call('VM_memory_final', 'a'),
  Parallel('deactivate', [call('VBD_deactivate', 'a', 'xvda'), call('VBD_deactivate', 'a', 'xvdb')]),
  call('VM_rename', 'b'),
  Parallel('activate', [call('VBD_activate', 'b', 'xvda'), call('VBD_activate', 'b', 'xvdb')]),
  call('VM_unpause', 'b'),
]);

const names = (p: Plan) => atomsOf(p).map((c) => `${c.atom}${c.vbd ? ` ${c.vbd.device}` : ''}@${c.host}`);

describe('interpret', () => {
  it('runs Serial steps in order and Parallel branches together', async () => {
    const seen: string[] = [];
    await interpret(window, async (c) => void seen.push(`${c.atom}@${c.host}`));
    expect(seen).toEqual(atomsOf(window).map((c) => `${c.atom}@${c.host}`));
  });

  it('lets every branch of a Parallel settle before it reports a failure, and stops the Serial there', async () => {
    const finished: string[] = [];
    const run = async (c: AtomCall) => {
      if (c.vbd?.device === 'xvda' && c.atom === 'VBD_deactivate') throw new Error('xvda failed');
      await new Promise((r) => setTimeout(r, 20));
      finished.push(`${c.atom} ${c.vbd?.device ?? ''}`.trim());
    };
    await expect(interpret(window, run)).rejects.toThrow('xvda failed');
    expect(finished).toEqual(['VM_suspend', 'VM_memory_final', 'VBD_deactivate xvdb']);
  });
});

describe('splitByHost', () => {
  it('cuts the downtime into one run per host, in order, each handing over to the next', () => {
    const tree = splitByHost(window);
    const runs = hostRunsOf(tree);
    expect(runs.map((r) => [r.host, names(r.plan)])).toEqual([
      ['a', ['VM_suspend@a', 'VM_memory_final@a', 'VBD_deactivate xvda@a', 'VBD_deactivate xvdb@a']],
      ['b', ['VM_rename@b', 'VBD_activate xvda@b', 'VBD_activate xvdb@b', 'VM_unpause@b']],
    ]);
    expect(successors(tree).get(runs[0]!)).toBe(runs[1]);
    expect(successors(tree).has(runs[1]!)).toBe(false);
  });

  it('keeps the branches of a Parallel over several hosts apart, with no handover between them', async () => {
    const mixed = Parallel('both', [call('VBD_detach', 'a', 'xvda'), call('VBD_detach', 'b', 'xvda')]);
    const tree = splitByHost(Serial('s', [call('VM_suspend', 'a'), mixed]));
    expect(hostRunsOf(tree).map((r) => r.host)).toEqual(['a', 'a', 'b']);
    expect(successors(tree).size).toBe(0);
    const handed: string[] = [];
    await interpretByHost(tree, async (leaf) => void handed.push(`${leaf.host}:${atomsOf(leaf.plan).length}`));
    expect(handed).toEqual(['a:1', 'a:1', 'b:1']);
  });
});

describe('withoutAtoms', () => {
  it('drops what a lost host already finished, and groups left empty', () => {
    const run = hostRunsOf(splitByHost(window))[0]!.plan;
    const done = new Set(atomsOf(run).slice(0, 3).map(atomKey));
    expect(names(withoutAtoms(run, done)!)).toEqual(['VBD_deactivate xvdb@a']);
    expect(withoutAtoms(run, new Set(atomsOf(run).map(atomKey)))).toBeUndefined();
  });
});

describe('atomKey', () => {
  const example = loadPoolFile(EXAMPLE_POOL);
  const cases = example.vms.flatMap((vm) =>
    example.hosts
      .filter((h) => h.name !== vm.residentOn)
      .flatMap((h) => (['early-attach', 'legacy'] as const).map((plan) => [vm.name, h.name, plan] as const)),
  );

  it.each(cases)('tells every atom of a phase and of its rollback apart (%s -> %s, %s)', (vm, to, plan) => {
    const m = planMigration(example, { vm, to, plan }, 'm');
    const all = atomsOf(m.plan);
    const undo = planRollback(m, all).phases;
    const { prepare, precopy, downtime, cleanup } = m.phases;
    const phases = [prepare, precopy, downtime, cleanup, undo.restore, undo.cleanDestination];
    for (const p of phases) {
      const keys = atomsOf(p.plan).map(atomKey);
      expect(new Set(keys).size).toBe(keys.length);
    }
  });
});

describe('splitLead', () => {
  const example = loadPoolFile(EXAMPLE_POOL);
  const m = planMigration(example, { vm: 'db-01', to: 'host-b', plan: 'early-attach' }, 'mig-1');

  it('cuts prepare into its first step, direct, and the rest as planned, losing no atom and keeping the order', () => {
    const { lead, rest } = splitLead(m.phases.prepare);
    expect(lead).toMatchObject({ name: 'prepare', dispatch: 'direct' });
    expect(rest).toMatchObject({ name: 'prepare', dispatch: m.phases.prepare.dispatch });
    expect(atomsOf(lead.plan).map((c) => `${c.atom}@${c.host}`)).toEqual(['VM_create@host-b']);
    expect([...atomsOf(lead.plan), ...atomsOf(rest.plan)]).toEqual(atomsOf(m.phases.prepare.plan));
  });

  it('leads with nothing from an empty phase', () => {
    const { lead, rest } = splitLead({ ...m.phases.precopy, plan: Serial('precopy', []) });
    expect(isEmptyPhase(lead)).toBe(true);
    expect(isEmptyPhase(rest)).toBe(true);
  });
});
