// The qemu backend end to end: the same planner, workflow and host agents live-migrate a real,
// running guest between two QEMU processes (hosts in their own processes, on the suite's Temporal
// dev server) — out with early attach, back with the legacy plan — and the guest never notices:
// its counter goes on without a gap or a repeat across both switchovers, and across two rollbacks.
// QEMU itself agrees at the end (one running guest, one writer of its disk: qemu/invariants.ts),
// and `liveshift check` reports it.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vdiId, vmUuid } from '../../domain/ids';
import type { MigrationResult } from '../../domain/request';
import { parseCounters } from '../../qemu/guest-init';
import { checkQemuInvariants } from '../../qemu/invariants';
import { serialLogs, vdiPath, vmDir } from '../../qemu/layout';
import { qemuTimings } from '../../qemu/measure';
import { runningPid } from '../../qemu/qemu-process';
import { audit } from '../../sim/audit';
import type { Stack } from '../../workers/stack';
import { liveshift } from '../helpers/cli';
import { Harness, waitForCounter } from './harness';
import { oneGuestPool, startQemuStack, stopQemuStack } from './qemu-stack';

const pool = oneGuestPool('qemu-backend', 'vm-q');

const uuid = vmUuid(pool.name, 'vm-q');
/** QEMU stamps events with the wall clock, the hosts with a monotonic clock anchored at start. */
const CLOCK_SLACK_MS = 5;
let h: Harness;
let stateFile: string;
let stack: Stack | undefined;
const results: MigrationResult[] = [];
const dir = (host: string) => vmDir(stateFile, host, uuid);
const runsOn = () => ['host-a', 'host-b'].filter((host) => runningPid(dir(host)) !== null);
/** The guest's counters across every QEMU it lived in, oldest first (host-a, host-b, host-a again). */
const history = () => {
  const [firstA, ...laterA] = serialLogs(dir('host-a'));
  const logs = [firstA, ...serialLogs(dir('host-b')), ...laterA].filter((p): p is string => p !== undefined);
  return parseCounters(logs.map((p) => readFileSync(p, 'latin1')).join(''));
};

beforeAll(async () => {
  ({ h, stateFile, stack } = await startQemuStack(pool));
}, 240_000);

afterAll(() => stopQemuStack({ h, stateFile, stack }));

async function migrateAndWatch(to: string, plan: 'early-attach' | 'legacy'): Promise<MigrationResult> {
  const r = await stack!.migrate({ vm: 'vm-q', to, plan });
  results.push(r);
  expect(r.outcome, r.reason).toBe('migrated');
  expect(runsOn()).toEqual([to]);
  expect(stack!.sim.runningOn(uuid)).toEqual([to]);
  // The guest runs on where it arrived: its counter climbs past what it had printed.
  const before = history().at(-1) ?? 0;
  await waitForCounter([dir(to)], before + 3, 20_000);
  return r;
}

describe('the qemu backend', () => {
  it('live-migrates a running guest host-a -> host-b with its disk attached before the pause', async () => {
    const r = await migrateAndWatch('host-b', 'early-attach');
    expect(r.earlyAttached).toEqual(['xvda']);
    const attach = r.atoms.filter((a) => a.atom === 'VBD_attach');
    expect(attach.map((a) => [a.host, a.inDowntime])).toEqual([['host-b', false]]);
  });

  it('migrates it back with the legacy plan, the disk attached inside the pause', async () => {
    const r = await migrateAndWatch('host-a', 'legacy');
    expect(r.earlyAttached).toEqual([]);
    const attach = r.atoms.filter((a) => a.atom === 'VBD_attach');
    expect(attach.map((a) => [a.host, a.inDowntime])).toEqual([['host-a', true]]);
  });

  it("records QEMU's own downtime and the STOP -> RESUME pause of both switchovers", () => {
    const timings = qemuTimings(stack!.sim.events());
    expect(timings).toHaveLength(2);
    timings.forEach((t, i) => {
      const r = results[i]!;
      expect(t.downtimeMs).toBeGreaterThan(0);
      expect(t.ramTransferredBytes).toBeGreaterThan(0);
      expect(t.stopToResumeMs).toBeGreaterThanOrEqual(t.downtimeMs!);
      // QEMU stops the guest at the end of VM_precopy, which runs in the switchover's source run:
      // no hop lies between the stop and the window the hosts measure.
      const events = stack!.sim.events(t.migrationId);
      const precopy = events.find((e) => e.op === 'VM_precopy')!;
      const suspend = events.find((e) => e.op === 'VM_suspend')!;
      expect(t.stopMs).toBeGreaterThanOrEqual(precopy.startMs - CLOCK_SLACK_MS);
      expect(t.stopMs).toBeLessThanOrEqual(suspend.endMs + CLOCK_SLACK_MS);
      console.log(
        `[qemu backend ${r.plan} ${r.from}->${r.to}] liveshift downtime ${r.downtimeMs} ms (idle ${r.idleInDowntimeMs}), ` +
          `QEMU STOP->RESUME ${t.stopToResumeMs!.toFixed(1)} ms (STOP->VM_suspend ${(suspend.startMs - t.stopMs!).toFixed(1)} ms), ` +
          `QEMU downtime ${t.downtimeMs} ms, RAM ${(t.ramTransferredBytes! / 2 ** 20).toFixed(1)} MiB ` +
          `in ${t.totalTimeMs} ms, total ${r.totalMs} ms`,
      );
    });
  });
});

/** A fault that outlasts the downtime retries: the migration to host-b rolls back to host-a. */
async function rollBackOn(atom: 'VM_suspend' | 'VM_unpause', host: string): Promise<MigrationResult> {
  stack!.sim.addFault({ atom, host, vm: 'vm-q', effect: 'fail', times: 3 });
  const r = await stack!.migrate({ vm: 'vm-q', to: 'host-b', plan: 'early-attach' });
  stack!.sim.clearFaults('vm-q');
  expect(r.outcome, r.reason).toBe('rolled-back');
  expect(stack!.sim.runningOn(uuid)).toEqual(['host-a']);
  // The source guest runs again (its counter climbs past what it printed by the end of the
  // rollback: it counted during pre-copy too) and nothing runs on the destination.
  await waitForCounter([dir('host-a')], (history().at(-1) ?? 0) + 3, 20_000);
  expect(runsOn()).toEqual(['host-a']);
  return r;
}

describe('rollbacks on QEMU give the guest back to the source', () => {
  it('after the switchover: the destination is killed, `cont` resumes the source', async () => {
    const r = await rollBackOn('VM_unpause', 'host-b');
    const restore = r.atoms.filter((a) => a.phase === 'rollback').map((a) => `${a.atom}@${a.host}`);
    expect(restore.slice(0, 3)).toEqual(['VBD_deactivate@host-b', 'VBD_activate@host-a', 'VM_unpause@host-a']);
  });

  it('before the suspend took effect: the unpause still cancels the migration QEMU holds in pre-switchover', async () => {
    // The pool never saw the VM suspended, so the rollback's unpause is a no-op in its bookkeeping;
    // QEMU, which stopped the guest at the end of pre-copy, still has the migration cancelled.
    await rollBackOn('VM_suspend', 'host-a');
  });
});

describe('after two migrations and two rollbacks', () => {
  it('keeps the guest whole: counter without gap or repeat, disk current, audit clean, QEMU agrees', async () => {
    const seen = history();
    expect(seen).toEqual(Array.from({ length: seen.length }, (_, i) => i + 1));
    // The guest writes the disk before the console: the disk is at the last value printed or later.
    expect(h.diskCounter(vdiPath(stateFile, 'v3', vdiId('vm-q', 'xvda')))).toBeGreaterThanOrEqual(seen.at(-1)!);
    expect(audit(stack!.sim.events())).toEqual([]);
    // QEMU itself: the guest runs in one QEMU, on host-a, and that QEMU alone holds its disk's write lock.
    expect(await checkQemuInvariants(stateFile, stack!.sim.snapshot())).toEqual([]);
  });

  it('`liveshift check` audits QEMU too, and flags a guest that stopped running', async () => {
    const env = { LIVESHIFT_STATE: stateFile };
    const ok = await liveshift(['check'], env);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toContain('QEMU: 1 guest(s) checked');
    const guest = runningPid(dir('host-a'))!;
    process.kill(guest, 'SIGSTOP'); // frozen: it prints nothing, and still holds its disk
    try {
      const frozen = await liveshift(['check', '--json'], env);
      expect(frozen.code).toBe(1);
      expect(JSON.parse(frozen.stdout)).toMatchObject({
        violations: [],
        qemu: [expect.stringMatching(/runs nowhere/), expect.stringMatching(/write-locked by the QEMU on host-a/)],
      });
    } finally {
      process.kill(guest, 'SIGCONT');
    }
  });
});
