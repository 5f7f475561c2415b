// The QMP mechanics the QEMU migration backend relies on, against real QEMU 7.2 under TCG with the
// busybox guest counting on its console and disk: the client itself, early-attach live migration
// with a pause before switchover, cancel in that pause, and a placeholder disk swapped for the
// real one inside the downtime.
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { diskDevice, qcow2Node, QemuProcess } from '../../qemu/qemu-process';
import { QmpError } from '../../qemu/qmp';
import { counters, disk, Harness, qemuIo, status, waitForCounter } from './harness';
import { migrateToPreSwitchover, queryMigrate, resume, switchOver } from './migrate-steps';

const IMAGE_BYTES = 64 * 1024 * 1024;
/** A write through a fresh BlockBackend on a node: refused while the node is inactive. */
const WRITE = 'write -P 0x5a 1M 512';
let h: Harness;

beforeAll(() => {
  h = new Harness();
}, 600_000);
afterEach(() => h.killAll());
afterAll(() => h.dispose());

/** Every counter from 1 on, once, across the VMs the guest has lived in. */
async function expectCounterContinues(dirs: string[]): Promise<void> {
  const before = counters(dirs).at(-1) ?? 0;
  const seen = await waitForCounter(dirs, before + 3);
  expect(seen).toEqual(Array.from({ length: seen.length }, (_, i) => i + 1));
}

describe('QEMU 7.2 over QMP', () => {
  it('reports runstates, fails bad commands with a class, sends events, and is adopted by its dir', async () => {
    const vm = await h.guest('a', { paused: true }, true);
    expect(await status(vm.qmp)).toBe('prelaunch');
    const err = await vm.qmp.execute('no-such-command').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QmpError);
    expect(err).toMatchObject({ qmpClass: 'CommandNotFound' });
    const badCap = vm.qmp.execute('migrate-set-capabilities', { capabilities: [{ capability: 'nope', state: true }] });
    await expect(badCap).rejects.toMatchObject({ qmpClass: 'GenericError' });
    const resumed = vm.qmp.waitEvent('RESUME', undefined, 5_000);
    await vm.qmp.execute('cont');
    expect((await resumed).timestampMs).toBeGreaterThan(Date.now() - 60_000);
    expect(await status(vm.qmp)).toBe('running');
    // One client per monitor: drop ours, then find the VM again from its directory alone.
    await vm.qmp.close();
    const again = h.track(await QemuProcess.adopt(vm.dir));
    expect(again.pid).toBe(vm.pid);
    expect(await status(again.qmp)).toBe('running');
    await again.stop();
    expect(again.isAlive()).toBe(false);
  });

  it.each([
    ['b1', 'on the command line'],
    ['b2', 'by blockdev-add + device_add while inmigrate'],
  ])('%s: migrates live with the disk attached on the destination early, %s', async (tag, how) => {
    const image = h.createImage(`${tag}.qcow2`, IMAGE_BYTES);
    const src = await h.countingSource(`${tag}s`, image);
    const early = tag === 'b1';
    const dst = await h.guest(`${tag}d`, { incoming: true, disks: early ? [disk(image)] : [] });
    expect(await status(dst.qmp)).toBe('inmigrate');
    if (!early) {
      await dst.qmp.execute('blockdev-add', qcow2Node('disk0', image));
      await dst.qmp.execute('device_add', diskDevice({ id: 'vblk0', slot: 5, nodeName: 'disk0' }));
    }
    // The source holds the write lock; the destination opened the same image without one.
    expect(h.imageLocked(image)).toBe(true);
    const stop = await migrateToPreSwitchover(src, dst, `unix:${join(h.root, `${tag}.mig`)}`);
    expect(await status(src.qmp)).toBe('finish-migrate');
    expect(await qemuIo(dst.qmp, { node: 'disk0' }, WRITE)).toMatch(/read-only/);
    await switchOver(src, dst);
    expect(await status(dst.qmp)).toBe('paused');
    expect(await status(src.qmp)).toBe('postmigrate');
    // late-block-activate: after completion nobody holds the image until the destination runs.
    expect(h.imageLocked(image)).toBe(false);
    expect(await qemuIo(src.qmp, { node: 'disk0' }, WRITE)).toMatch(/read-only/);
    const resumed = await resume(dst);
    expect(await status(dst.qmp)).toBe('running');
    expect(h.imageLocked(image)).toBe(true);
    expect(await h.writesThrough(dst.qmp, 'vblk0', image, 0x5b)).toBe(true);
    await expectCounterContinues([src.dir, dst.dir]);
    const m = await queryMigrate(src.qmp);
    expect(m.status).toBe('completed');
    console.log(
      `[qemu ${tag}, disk ${how}] STOP->RESUME ${(resumed.timestampMs - stop.timestampMs).toFixed(1)} ms ` +
        `(with the test's probes in the window), QEMU downtime ${m.downtime} ms`,
    );
  });

  it('three hops with nothing in the window: the switchover time on its own', async () => {
    const image = h.createImage('t.qcow2', IMAGE_BYTES);
    const vms = [await h.countingSource('t0', image)];
    for (let hop = 1; hop <= 3; hop++) {
      const [src, dst] = [vms.at(-1)!, await h.guest(`t${hop}`, { incoming: true, disks: [disk(image)] })];
      vms.push(dst);
      const stop = await migrateToPreSwitchover(src, dst, `unix:${join(h.root, `t${hop}.mig`)}`);
      await switchOver(src, dst);
      const resumed = await resume(dst);
      const m = await queryMigrate(src.qmp);
      await src.stop();
      await expectCounterContinues(vms.map((v) => v.dir));
      console.log(
        `[qemu hop ${hop}] STOP->RESUME ${(resumed.timestampMs - stop.timestampMs).toFixed(1)} ms, ` +
          `QEMU downtime ${m.downtime} ms, RAM transferred ${m.ram?.transferred} of ${m.ram?.total} bytes, ` +
          `total ${m['total-time']} ms`,
      );
    }
    const last = counters(vms.map((v) => v.dir)).at(-1)!;
    expect(h.diskCounter(image)).toBeGreaterThanOrEqual(last);
  });

  it('c: cancel in pre-switchover: the source runs on with a writable disk, the destination exits', async () => {
    const image = h.createImage('c.qcow2', IMAGE_BYTES);
    const src = await h.countingSource('cs', image);
    const dst = await h.guest('cd', { incoming: true, disks: [disk(image)] });
    await migrateToPreSwitchover(src, dst, `unix:${join(h.root, 'c.mig')}`);
    const cancelled = src.qmp.waitMigration('cancelled');
    const resumed = src.qmp.waitEvent('RESUME');
    await src.qmp.execute('migrate_cancel');
    await Promise.all([cancelled, resumed]);
    expect(await status(src.qmp)).toBe('running');
    expect(await h.writesThrough(src.qmp, 'vblk0', image, 0x5c)).toBe(true);
    expect(await dst.waitExit(10_000)).toBe(true);
    expect((await queryMigrate(src.qmp)).status).toBe('cancelled');
    await expectCounterContinues([src.dir]);
  });

  it('d: swaps a throttle-over-null-co placeholder for the real image in pre-switchover', async () => {
    const image = h.createImage('d.qcow2', IMAGE_BYTES);
    const src = await h.countingSource('ds', image);
    // The guest reads the capacity when the device is realized: the placeholder has the real size.
    const placeholder = { driver: 'null-co', 'node-name': 'ph0', size: IMAGE_BYTES, 'read-zeroes': true };
    const slot = { driver: 'throttle', 'node-name': 'slot0', 'throttle-group': 'tg0', file: placeholder };
    const dst = await h.guest('dd', {
      incoming: true,
      objects: [{ 'qom-type': 'throttle-group', id: 'tg0' }],
      disks: [{ id: 'vblk0', slot: 5, blockdev: slot }],
    });
    await migrateToPreSwitchover(src, dst, `unix:${join(h.root, 'd.mig')}`);
    // Added while inmigrate, so inactive: no lock conflict with the source, which still holds it.
    await dst.qmp.execute('blockdev-add', qcow2Node('real0', image));
    const reopen = [{ driver: 'throttle', 'node-name': 'slot0', 'throttle-group': 'tg0', file: 'real0' }];
    await dst.qmp.execute('blockdev-reopen', { options: reopen });
    const nodes = await dst.qmp.execute<{ 'node-name': string }[]>('query-named-block-nodes', { flat: true });
    expect(nodes.map((n) => n['node-name'])).not.toContain('ph0'); // the inline placeholder is freed
    await switchOver(src, dst);
    expect(h.imageLocked(image)).toBe(false);
    await resume(dst);
    expect(h.imageLocked(image)).toBe(true);
    await expectCounterContinues([src.dir, dst.dir]);
    const last = counters([src.dir, dst.dir]).at(-1)!;
    await dst.stop();
    // The guest's own writes after the switchover reached the real image under the throttle node.
    expect(h.diskCounter(image)).toBeGreaterThanOrEqual(last);
  });
});
