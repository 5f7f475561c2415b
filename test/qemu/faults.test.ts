// Faults on QEMU hosts: a real guest, host processes with their standbys, the suite's Temporal dev
// server. An abort while the source waits in pre-switchover (once after VM_suspend went through,
// once while it never does), the destination's QEMU killed in the middle of pre-copy, the source
// host's process killed while its guest runs, and the disk's write lock sampled through a whole
// migration. Every case ends with the guest running in one QEMU on one host, its counter without
// gap or repeat, the audit of the event log clean and QEMU's own invariants (qemu/invariants.ts) too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vdiId, vmUuid } from '../../domain/ids';
import type { MigrationResult } from '../../domain/request';
import { checkGuestCounter, counterContinuous, describeCounter } from '../../qemu/counter';
import { imageWriters } from '../../qemu/image-locks';
import { checkQemuInvariants } from '../../qemu/invariants';
import { vdiPath, vmDir } from '../../qemu/layout';
import { runningPid } from '../../qemu/qemu-process';
import { audit } from '../../sim/audit';
import { abortUpdate } from '../../workflows/definitions';
import type { Stack } from '../../workers/stack';
import { eventAfter, eventsAfter, migrationConnections, sampleWriters, waitUntil } from './fault-steps';
import { Harness, waitForCounter } from './harness';
import { oneGuestPool, startQemuStack, stopQemuStack } from './qemu-stack';

const VM = 'vm-f';
const HOSTS = ['host-a', 'host-b'];
const pool = oneGuestPool('qemu-faults', VM);
const uuid = vmUuid(pool.name, VM);
let h: Harness;
let stateFile: string;
let stack: Stack;
const dir = (host: string) => vmDir(stateFile, host, uuid);
const image = () => vdiPath(stateFile, 'v3', vdiId(VM, 'xvda'));
const runsOn = () => HOSTS.filter((host) => runningPid(dir(host)) !== null);
const lastSeq = () => stack.sim.events().at(-1)?.seq ?? 0;

beforeAll(async () => {
  ({ h, stateFile, stack } = await startQemuStack(pool));
}, 240_000);

afterAll(() => stopQemuStack({ h, stateFile, stack }));

/** The guest runs on `host` alone and lost nothing; the pool, its event log and QEMU agree. */
async function expectWhole(host: string): Promise<void> {
  expect(stack.sim.runningOn(uuid)).toEqual([host]);
  expect(stack.sim.attachments(uuid).filter((a) => a.host !== host)).toEqual([]);
  expect(runsOn()).toEqual([host]);
  await waitForCounter([dir(host)], checkGuestCounter(stateFile, HOSTS, uuid).last + 3, 20_000);
  const counter = checkGuestCounter(stateFile, HOSTS, uuid);
  expect(counterContinuous(counter), describeCounter(counter)).toBe(true);
  expect(audit(stack.sim.events())).toEqual([]);
  expect(await checkQemuInvariants(stateFile, stack.sim.snapshot())).toEqual([]);
}

/**
 * Holds the source's run at VM_suspend (hung `times` attempts, 2 s each), which follows the end of
 * pre-copy: QEMU has stopped the guest and waits in pre-switchover. Then aborts.
 */
async function abortInPreSwitchover(times: number, whileHeld = async () => undefined): Promise<MigrationResult> {
  stack.sim.addFault({ atom: 'VM_suspend', host: 'host-a', vm: VM, effect: 'hang', times });
  const since = lastSeq();
  try {
    const handle = await stack.start({ vm: VM, to: 'host-b', plan: 'early-attach' });
    await eventAfter(stack.sim, since, 'VM_precopy', 'host-a');
    await whileHeld();
    const reason = 'test: abort in pre-switchover';
    expect(await handle.executeUpdate(abortUpdate, { args: [{ reason }] })).toMatchObject({ accepted: true });
    const r = await handle.result();
    expect(r.outcome, r.reason).toBe('rolled-back');
    expect(r.reason).toContain(reason);
    return r;
  } finally {
    stack.sim.clearFaults(VM);
  }
}

/**
 * Holds a legacy migration to host-b in pre-copy: once the destination listens (VM_create took
 * effect; the legacy plan has no other QEMU step there before the pause), freezes its QEMU, which
 * then reads nothing from the stream, and waits for the source to be connected to it. Returns the
 * frozen QEMU's pid.
 */
async function holdPrecopy(since: number): Promise<number> {
  await eventAfter(stack.sim, since, 'VM_create', 'host-b');
  const destination = runningPid(dir('host-b'))!;
  process.kill(destination, 'SIGSTOP');
  await waitUntil(() => migrationConnections(dir('host-b')) > 0, 20_000, 'the source connecting');
  return destination;
}

const rollbackUnpause = (since: number) =>
  eventsAfter(stack.sim, since).find((e) => e.op === 'VM_unpause' && e.phase === 'rollback' && e.host === 'host-a');

describe('an abort while the source waits in pre-switchover', () => {
  it('a: VM_suspend went through on its retry: the rollback cancels the migration, QEMU resumes the source', async () => {
    const since = lastSeq();
    await abortInPreSwitchover(1);
    // Without the abort the retried VM_suspend would have led to a switchover; the rollback's
    // unpause was a real QEMU step (migrate_cancel), not bookkeeping.
    expect(rollbackUnpause(since)?.detail).toMatch(/"resumeMs"/);
    await expectWhole('host-a');
  });

  it('a: VM_suspend never took effect: QEMU resumes the source the pool never saw suspended', async () => {
    const since = lastSeq();
    await abortInPreSwitchover(3, async () => {
      // Held there, the guest runs nowhere and its stopped source still holds the disk: QEMU's own
      // check says so, which is what a check of a pool at rest must never see.
      const seen = await checkQemuInvariants(stateFile, stack.sim.snapshot(), { minMs: 400, maxMs: 800 });
      expect(seen.join('\n')).toMatch(/runs nowhere .*the QEMU on host-a \(pid \d+\) is stopped/);
      expect(seen.join('\n')).toMatch(/write-locked by the QEMU on host-a \(pid \d+\), not the running guest/);
    });
    // The pool's unpause was bookkeeping (it never saw the guest suspended); the guest runs anyway.
    expect(rollbackUnpause(since)?.detail).toBe('noop');
    await expectWhole('host-a');
  });

  it('a: an abort during pre-copy: QEMU stops the guest as pre-copy ends, the rollback resumes it', async () => {
    const since = lastSeq();
    const handle = await stack.start({ vm: VM, to: 'host-b', plan: 'legacy' });
    const destination = await holdPrecopy(since);
    const reason = 'test: abort in pre-copy';
    expect(await handle.executeUpdate(abortUpdate, { args: [{ reason }] })).toMatchObject({ accepted: true });
    process.kill(destination, 'SIGCONT'); // pre-copy converges, QEMU stops the guest; VM_suspend's gate aborts
    const r = await handle.result();
    expect(r.outcome, r.reason).toBe('rolled-back');
    expect(eventsAfter(stack.sim, since).some((e) => e.op === 'VM_precopy')).toBe(true);
    expect(eventsAfter(stack.sim, since).some((e) => e.op === 'VM_suspend')).toBe(false);
    expect(rollbackUnpause(since)?.detail).toBe('noop');
    await expectWhole('host-a');
  });
});

describe('a QEMU or a host process dies', () => {
  it("b: the destination's QEMU killed in the middle of pre-copy: rolled back, nothing left on host-b", async () => {
    const since = lastSeq();
    const handle = await stack.start({ vm: VM, to: 'host-b', plan: 'legacy' });
    process.kill(await holdPrecopy(since), 'SIGKILL');
    const r = await handle.result();
    expect(r.outcome, r.reason).toBe('rolled-back');
    expect(r.reason).toMatch(/migration failed/);
    // The pause never began: pre-copy was running when the destination died.
    expect(eventsAfter(stack.sim, since).filter((e) => e.op === 'VM_suspend')).toEqual([]);
    await expectWhole('host-a');
  });

  it("c: the source host's process SIGKILLed: its standby adopts the running guest and migrates it", async () => {
    const host = stack.hosts.get('host-a')!;
    const [worker, guest, restarts] = [host.pid!, runningPid(dir('host-a'))!, host.restarts];
    process.kill(worker, 'SIGKILL');
    await waitUntil(() => host.restarts > restarts, 10_000, 'the supervisor seeing host-a die');
    await host.settled();
    expect(host.pid).not.toBe(worker);
    expect(runningPid(dir('host-a'))).toBe(guest); // the guest outlived the process that drove it
    const r = await stack.migrate({ vm: VM, to: 'host-b', plan: 'early-attach' });
    expect(r.outcome, r.reason).toBe('migrated');
    await expectWhole('host-b');
  });
});

describe('no disk ever has two writers', () => {
  it('d: the write lock passes from the source to the destination, sampled every 10 ms', async () => {
    const source = runningPid(dir('host-b'))!;
    const sampler = sampleWriters(image(), 10);
    const r = await stack.migrate({ vm: VM, to: 'host-a', plan: 'legacy' });
    const samples = sampler.stop();
    expect(r.outcome, r.reason).toBe('migrated');
    const destination = runningPid(dir('host-a'))!;
    expect(Math.max(...samples.map((s) => s.length))).toBe(1);
    expect(samples.flat().every((pid) => pid === source || pid === destination)).toBe(true);
    const lastSource = samples.length - 1 - [...samples].reverse().findIndex((s) => s.includes(source));
    const firstDestination = samples.findIndex((s) => s.includes(destination));
    expect(samples[0]).toEqual([source]);
    expect(firstDestination).toBeGreaterThan(lastSource);
    // After it, the destination alone; qemu-img's own lock check agrees that the image is held.
    expect(imageWriters(image())).toEqual([destination]);
    expect(h.imageLocked(image())).toBe(true);
    console.log(
      `[qemu faults] ${samples.length} lock samples over ${r.totalMs} ms; ${firstDestination - lastSource - 1} ` +
        `sample(s) with no writer between the source's last and the destination's first`,
    );
    await expectWhole('host-a');
  });
});
