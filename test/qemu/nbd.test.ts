// An SR served over NBD by qemu-storage-daemon, on real QEMU 7.2. First the mechanics the backend
// relies on: a destination's NBD client added while incoming is inactive and leaves the source's
// writes alone, and after `cont` the destination writes through it. Then end to end: a VM with one
// disk on an NBD SR and one on a file SR migrates out with early attach and back with the legacy
// plan; its counter goes on without a gap or a repeat, both disks hold its latest value, and the
// storage daemon serves on.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vdiId, vmUuid } from '../../domain/ids';
import type { PoolInput } from '../../domain/pool';
import type { MigrationResult } from '../../domain/request';
import { killQemuGuests, startStorageDaemons } from '../../qemu/boot';
import { checkGuestCounter, counterContinuous, describeCounter } from '../../qemu/counter';
import { serialLogs, srDir, storageDaemonPaths, VDI_BYTES, vdiPath, vmDir } from '../../qemu/layout';
import { killAndWait } from '../../qemu/pid';
import { guestPaths, nbdNode, runningPid } from '../../qemu/qemu-process';
import { QmpClient } from '../../qemu/qmp';
import { runningStorageDaemon, startStorageDaemon } from '../../qemu/storage-daemon';
import { audit } from '../../sim/audit';
import { scratchState, startStack, type Stack } from '../../workers/stack';
import { testTarget } from '../helpers/server';
import { counters, Harness, qemuIo, waitForCounter } from './harness';
import { migrateToPreSwitchover, resume, switchOver } from './migrate-steps';
import { NbdClient } from './nbd-client';

let h: Harness;
/** Storage daemons the mechanics test started itself (the stack's die with its guests). */
const daemons: number[] = [];
let stateFile: string | undefined;
let stack: Stack | undefined;

beforeAll(() => {
  h = new Harness();
}, 600_000);

afterAll(async () => {
  await stack?.stop();
  if (stateFile) {
    await killQemuGuests(stateFile);
    rmSync(dirname(stateFile), { recursive: true, force: true });
  }
  await Promise.all(daemons.map((pid) => killAndWait(pid)));
  await h?.dispose();
});

/** The guest reports a failed disk write on its console; none may appear. */
const diskFailures = (logs: string[]) =>
  logs.filter((p) => existsSync(p) && readFileSync(p, 'latin1').includes('LIVESHIFT-DISK-FAILED'));

describe('QEMU 7.2 with a disk on an NBD export', () => {
  it("opens the destination's client inactive while the source writes on; after `cont` it writes through it", async () => {
    const dir = join(h.root, 'sr');
    const image = h.createImage('n0.qcow2', VDI_BYTES);
    daemons.push(
      await startStorageDaemon({ dir, binary: h.qemu.storageDaemon, exports: [{ vdi: 'n0', path: image }] }),
    );
    const { nbd } = storageDaemonPaths(dir);
    const client = new NbdClient(h.qemu.img, nbd, h.root);
    // The incoming guest's placeholder must have the size the export announces: the guest reads it once.
    expect(client.size('n0')).toBe(VDI_BYTES);
    const src = await h.guest('ns', { disks: [{ id: 'vblk0', slot: 5, blockdev: nbdNode('disk0', nbd, 'n0') }] });
    await waitForCounter([src.dir], 3, 60_000);
    const placeholder = { driver: 'null-co', 'node-name': 'ph0', size: VDI_BYTES, 'read-zeroes': true };
    const slot = { driver: 'throttle', 'node-name': 'slot0', 'throttle-group': 'tg0' };
    const dst = await h.guest('nd', {
      incoming: true,
      objects: [{ 'qom-type': 'throttle-group', id: 'tg0' }],
      disks: [{ id: 'vblk0', slot: 5, blockdev: { ...slot, file: placeholder } }],
    });
    await dst.qmp.execute('blockdev-add', nbdNode('real0', nbd, 'n0'));
    // Inactive while incoming: a write through a fresh BlockBackend on the node is refused.
    expect(await qemuIo(dst.qmp, { node: 'real0' }, 'write -P 0x5a 1M 512')).toMatch(/read-only/);
    await dst.qmp.execute('blockdev-reopen', { options: [{ ...slot, file: 'real0' }] });
    // The source writes on: what it printed after the destination connected is on the export.
    const printed = (await waitForCounter([src.dir], (counters([src.dir]).at(-1) ?? 0) + 3)).at(-1)!;
    expect(client.diskCounter('n0')).toBeGreaterThanOrEqual(printed);
    await migrateToPreSwitchover(src, dst, `unix:${join(h.root, 'n.mig')}`);
    await switchOver(src, dst);
    await resume(dst);
    // The destination's own writes reach the export, and so do the guest's.
    expect(await qemuIo(dst.qmp, { device: 'vblk0' }, 'write -P 0x5b 1M 512')).toBe('');
    await qemuIo(dst.qmp, { device: 'vblk0' }, 'flush');
    expect(client.holdsPattern('n0', 0x5b)).toBe(true);
    const seen = await waitForCounter([src.dir, dst.dir], printed + 10);
    expect(seen).toEqual(Array.from({ length: seen.length }, (_, i) => i + 1));
    expect(client.diskCounter('n0')).toBeGreaterThanOrEqual(seen.at(-1)!);
    expect(diskFailures([src.dir, dst.dir].map((d) => guestPaths(d).serial))).toEqual([]);
    await h.killAll();
  });
});

const pool: PoolInput = {
  name: 'qemu-nbd',
  hosts: [
    { name: 'host-a', backend: 'qemu' },
    { name: 'host-b', backend: 'qemu' },
  ],
  sms: [
    { type: 'zfs-vol', requiredApiVersion: '3.0' },
    { type: 'nfs', requiredApiVersion: '1.0' },
  ],
  srs: [
    { name: 'net', type: 'zfs-vol', shared: true, qemu: { transport: 'nbd' } },
    { name: 'dir', type: 'nfs', shared: true },
  ],
  vms: [
    {
      name: 'vm-n',
      residentOn: 'host-a',
      memoryMiB: 128,
      vbds: [
        { device: 'xvda', sr: 'net', mode: 'RW' },
        { device: 'xvdb', sr: 'dir', mode: 'RW' },
      ],
    },
  ],
};
const HOSTS = ['host-a', 'host-b'];
const uuid = vmUuid(pool.name, 'vm-n');
const dir = (host: string) => vmDir(stateFile!, host, uuid);
const netDir = () => srDir(stateFile!, 'net');
const net = () => new NbdClient(h.qemu.img, storageDaemonPaths(netDir()).nbd, h.root);

async function migrateAndWatch(to: string, plan: 'early-attach' | 'legacy'): Promise<MigrationResult> {
  const before = checkGuestCounter(stateFile!, HOSTS, uuid).last;
  const r = await stack!.migrate({ vm: 'vm-n', to, plan });
  expect(r.outcome, r.reason).toBe('migrated');
  expect(HOSTS.filter((host) => runningPid(dir(host)) !== null)).toEqual([to]);
  // The guest runs on where it arrived: its counter climbs past what it had printed.
  await waitForCounter([dir(to)], before + 3, 20_000);
  return r;
}

describe('a VM with a disk on an NBD SR and one on a file SR', () => {
  let qsd: number | null = null;

  beforeAll(async () => {
    stateFile = scratchState(pool);
    stack = await startStack({ ...testTarget(), stateFile, hostProcesses: true });
    qsd = runningStorageDaemon(netDir());
    await waitForCounter([dir('host-a')], 3, 60_000);
  }, 240_000);

  it("boots with the NBD SR's storage daemon serving the VDI at the placeholders' size; a file SR has none", () => {
    expect(qsd).not.toBeNull();
    expect(runningStorageDaemon(srDir(stateFile!, 'dir'))).toBeNull();
    expect(net().size(vdiId('vm-n', 'xvda'))).toBe(VDI_BYTES);
  });

  it('migrates out with early attach: the NBD disk attaches before the pause, the file disk inside it', async () => {
    const r = await migrateAndWatch('host-b', 'early-attach');
    expect(r.earlyAttached).toEqual(['xvda']);
    const attach = r.atoms.filter((a) => a.atom === 'VBD_attach');
    expect(attach.map((a) => [a.device, a.inDowntime])).toEqual([
      ['xvda', false],
      ['xvdb', true],
    ]);
  });

  it('migrates back with the legacy plan, both disks attached inside the pause', async () => {
    const r = await migrateAndWatch('host-a', 'legacy');
    expect(r.earlyAttached).toEqual([]);
  });

  it('keeps the guest whole: counter continuous, both disks at its latest value, the daemon serving on', async () => {
    const c = checkGuestCounter(stateFile!, HOSTS, uuid);
    expect(counterContinuous(c), describeCounter(c)).toBe(true);
    // Read after the counter: the guest writes every disk before it prints, so each is at c.last or later.
    expect(net().diskCounter(vdiId('vm-n', 'xvda'))).toBeGreaterThanOrEqual(c.last);
    expect(h.diskCounter(vdiPath(stateFile!, 'dir', vdiId('vm-n', 'xvdb')))).toBeGreaterThanOrEqual(c.last);
    expect(diskFailures(HOSTS.flatMap((host) => serialLogs(dir(host))))).toEqual([]);
    expect(runningStorageDaemon(netDir())).toBe(qsd);
    // A stack started again finds it serving and leaves it alone: its guests are connected to it.
    expect(await startStorageDaemons(stack!.sim.config(), stateFile!)).toEqual([]);
    expect(runningStorageDaemon(netDir())).toBe(qsd);
    const qmp = await QmpClient.connect(storageDaemonPaths(netDir()).qmp);
    try {
      const exports = await qmp.execute<{ id: string; 'shutting-down': boolean }[]>('query-block-exports');
      expect(exports).toEqual([expect.objectContaining({ id: 'exp0', 'shutting-down': false })]);
    } finally {
      await qmp.close();
    }
    expect(audit(stack!.sim.events())).toEqual([]);
  });
});
