// The parts of the qemu backend that need no QEMU: the pool file's `backend`, the refusal to
// migrate between backends, a real effect run in place of the modelled latency, the guests'
// command lines on both ends of a migration, and reading QEMU's measurements back.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { atomsOf } from '../../domain/atoms';
import { FailureType } from '../../domain/errors';
import { hostRunsOf, splitByHost } from '../../domain/interpret';
import { hostBackend, poolSchema } from '../../domain/pool';
import { validateRequest } from '../../domain/request';
import { VDI_BYTES, vmDir } from '../../qemu/layout';
import { qemuDetail, qemuTimings } from '../../qemu/measure';
import { vmDisks, vmGuestSpec, vmOf, type GuestRuntime } from '../../qemu/vm-spec';
import { loadPoolFile } from '../../sim/pool-file';
import { closeSims, EXAMPLE_POOL, expectFailure, openSim, planned, smallPool } from './fixtures';

afterEach(closeSims);

const QEMU_POOL = join(__dirname, '..', '..', 'examples', 'qemu-pool.yaml');

describe('the pool file: hosts[].backend', () => {
  it('defaults to sim and reads qemu', () => {
    expect(loadPoolFile(EXAMPLE_POOL).hosts.every((h) => h.backend === 'sim')).toBe(true);
    const pool = loadPoolFile(QEMU_POOL);
    expect(pool.hosts.map((h) => h.backend)).toEqual(['qemu', 'qemu']);
    expect(pool.vms[0]?.memoryMiB).toBe(128);
  });

  it('counts a host recorded before backends existed as sim', () => {
    expect(hostBackend({ hosts: [{ name: 'old' } as never] }, 'old')).toBe('sim');
  });

  it('refuses an unknown backend and a migration between backends', () => {
    expect(poolSchema.safeParse({ name: 'p', hosts: [{ name: 'h', backend: 'xen' }] }).success).toBe(false);
    const pool = smallPool({ hosts: [{ name: 'host-a' }, { name: 'host-b', backend: 'qemu' }] });
    const v = validateRequest(pool, { vm: 'vm-1', to: 'host-b', plan: 'early-attach' });
    expect(v.ok ? '' : v.message).toMatch(/runs on a sim host \(host-a\); host-b is a qemu host/);
  });
});

describe('the plan for a QEMU source', () => {
  it("ends pre-copy in the downtime phase, in the source's host run before VM_suspend (sim plans keep their phase)", () => {
    const qemu = smallPool({
      hosts: [
        { name: 'host-a', backend: 'qemu' },
        { name: 'host-b', backend: 'qemu' },
      ],
    });
    const { m } = planned(qemu);
    expect(atomsOf(m.phases.precopy.plan)).toEqual([]);
    const [first] = hostRunsOf(splitByHost(m.phases.downtime.plan));
    const run = atomsOf(first!.plan).map((c) => c.atom);
    expect([first!.host, ...run.slice(0, 3)]).toEqual(['host-a', 'VM_precopy', 'VM_suspend', 'VM_memory_final']);
    expect(m.phases.downtime.dispatch).toBe('direct');
    const sim = planned(smallPool()).m;
    expect(atomsOf(sim.phases.precopy.plan).map((c) => c.atom)).toEqual(['VM_precopy']);
    expect(atomsOf(sim.phases.downtime.plan)[0]?.atom).toBe('VM_suspend');
  });
});

describe('runAtom with a real effect', () => {
  it('runs the effect instead of the latency and records what it returns as the detail', async () => {
    const pool = smallPool({ timeScale: 1000 }); // modelled VM_create: 150 s
    const sim = openSim(pool);
    const call = planned(pool).pick('VM_create');
    const result = await sim.runWithEffect(call, {}, async () => qemuDetail({ stopMs: 1 }));
    expect(result.endMs - result.startMs).toBeLessThan(1_000);
    expect(sim.events().at(-1)).toMatchObject({ op: 'VM_create', detail: '{"qemu":{"stopMs":1}}' });
    // Already in effect: a recorded no-op, and the effect is not run again.
    let ran = false;
    const again = await sim.runWithEffect(call, {}, async () => ((ran = true), undefined));
    expect([again.noop, ran]).toEqual([true, false]);
  });

  it('checks the preconditions and fires faults before the effect', async () => {
    const pool = smallPool();
    const sim = openSim(pool);
    let ran = 0;
    const effect = async () => void ran++;
    await expectFailure(
      () => sim.runWithEffect(planned(pool).pick('VIF_plug'), {}, effect),
      FailureType.PreconditionFailed,
    );
    sim.addFault({ atom: 'VM_create', effect: 'fail' });
    await expectFailure(
      () => sim.runWithEffect(planned(pool).pick('VM_create'), {}, effect),
      FailureType.InjectedFault,
    );
    expect(ran).toBe(0);
  });
});

describe('the guests of a migration', () => {
  const pool = loadPoolFile(QEMU_POOL);
  const vm = vmOf(pool, 'counter-01');
  const rt = { install: { system: 'qemu' }, image: { kernel: 'k', initrd: 'i', append: 'a' }, accel: 'tcg' };
  const spec = (incoming: boolean) =>
    vmGuestSpec(
      rt as GuestRuntime,
      vmDir('/s/pool.db', 'host-a', 'abcdef12-x'),
      vm,
      vmDisks(pool, '/s/pool.db', vm),
      incoming,
    );

  it('puts each disk at the same PCI slot on both ends, a same-size placeholder on the incoming one', () => {
    const [running, incoming] = [spec(false), spec(true)];
    expect(running.dir).toBe('/s/qemu/vms/host-a/abcdef12');
    expect(incoming.disks?.map((d) => [d.id, d.slot])).toEqual([
      ['vbd-xvda', 5],
      ['vbd-xvdb', 6],
    ]);
    expect(running.disks?.map((d) => [d.id, d.slot])).toEqual(incoming.disks?.map((d) => [d.id, d.slot]));
    // xvda is on the example's NBD SR, xvdb on its file SR.
    expect(running.disks?.[0]?.blockdev).toMatchObject({
      driver: 'throttle',
      file: { driver: 'nbd', server: { type: 'unix', path: '/s/qemu/srs/shared-zfs/nbd.sock' } },
    });
    expect(running.disks?.[1]?.blockdev).toMatchObject({
      driver: 'throttle',
      file: { driver: 'qcow2', file: { filename: '/s/qemu/srs/nfs/counter-01-xvdb.qcow2' } },
    });
    for (const d of incoming.disks ?? [])
      expect(d.blockdev).toMatchObject({ file: { driver: 'null-co', size: VDI_BYTES } });
    expect([running.incoming, incoming.incoming, incoming.memoryMiB]).toEqual([false, true, 128]);
  });
});

describe('qemuTimings', () => {
  it("merges a migration's measurements from its events' details", () => {
    const sim = openSim();
    const at = { host: 'host-a', vmUuid: 'u', migrationId: 'm1', startMs: 0, endMs: 0 };
    sim.appendEvent({ ...at, op: 'VM_precopy', detail: qemuDetail({ stopMs: 1000 }) });
    sim.appendEvent({ ...at, op: 'VM_memory_final', detail: qemuDetail({ stopMs: 1000, downtimeMs: 30 }) });
    sim.appendEvent({ ...at, op: 'VM_rename', detail: 'renamed to u' });
    sim.appendEvent({ ...at, host: 'host-b', op: 'VM_unpause', detail: qemuDetail({ resumeMs: 1042.5 }) });
    expect(qemuTimings(sim.events())).toEqual([
      { migrationId: 'm1', vmUuid: 'u', stopMs: 1000, downtimeMs: 30, resumeMs: 1042.5, stopToResumeMs: 42.5 },
    ]);
  });
});
