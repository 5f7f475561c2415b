// The demo's extra report for a pool with qemu hosts: per migration QEMU's own figures beside
// liveshift's, and per VM the guest's counter check (qemu/counter.ts). Migrations ran one at a
// time, so the k-th migration of a VM is the k-th that recorded QEMU measurements for it.
import { vmUuid } from '../../domain/ids';
import type { Pool } from '../../domain/pool';
import type { MigrationResult } from '../../domain/request';
import type { SimEvent } from '../../domain/events';
import { checkGuestCounter, counterContinuous, describeCounter, waitForGuestCounters } from '../../qemu/counter';
import { qemuTimings, type QemuTiming } from '../../qemu/measure';
import { ms, table } from '../format';

const QEMU_HEAD = ['VM', 'plan', 'downtime ms', 'QEMU STOP→RESUME ms', 'QEMU downtime ms', 'idle ms', 'RAM MiB'];

/** Prints the table and the counter lines; true when every qemu VM's counter is continuous. */
export function printQemuReport(pool: Pool, stateFile: string, results: MigrationResult[], events: SimEvent[]) {
  const qemuHosts = pool.hosts.filter((h) => h.backend === 'qemu').map((h) => h.name);
  const onQemu = results.filter((r) => qemuHosts.includes(r.from));
  if (onQemu.length === 0) return true;
  const timings = qemuTimings(events);
  const taken = new Map<string, number>();
  const rows = onQemu.map((r) => {
    const k = taken.get(r.vmUuid) ?? 0;
    taken.set(r.vmUuid, k + 1);
    const t: Partial<QemuTiming> = timings.filter((x) => x.vmUuid === r.vmUuid)[k] ?? {};
    const mib = t.ramTransferredBytes === undefined ? '—' : (t.ramTransferredBytes / 2 ** 20).toFixed(1);
    const stopToResume = t.stopToResumeMs === undefined ? '—' : ms(t.stopToResumeMs);
    const qemuDowntime = t.downtimeMs === undefined ? '—' : ms(t.downtimeMs);
    return [r.vm, r.plan, ms(r.downtimeMs), stopToResume, qemuDowntime, ms(r.idleInDowntimeMs), mib];
  });
  console.log(`QEMU guests (their own clocks)\n\n${table(QEMU_HEAD, rows)}\n`);
  let continuous = true;
  for (const vmUuid of new Set(onQemu.map((r) => r.vmUuid))) {
    const check = checkGuestCounter(stateFile, qemuHosts, vmUuid);
    continuous &&= counterContinuous(check);
    console.log(`${onQemu.find((r) => r.vmUuid === vmUuid)!.vm}: ${describeCounter(check)}`);
  }
  return continuous;
}

/** Before the demo migrates: every guest of a qemu host has booted and counts (its proof needs a before). */
export async function awaitQemuGuests(pool: Pool, stateFile: string, log: (l: string) => void): Promise<void> {
  const qemuHosts = pool.hosts.filter((h) => h.backend === 'qemu').map((h) => h.name);
  const uuids = pool.vms.filter((v) => qemuHosts.includes(v.residentOn)).map((v) => vmUuid(pool.name, v.name));
  if (uuids.length === 0) return;
  log(`liveshift: waiting for ${uuids.length} QEMU guest(s) to boot and count ...`);
  await waitForGuestCounters(stateFile, qemuHosts, uuids, { min: 3, timeoutMs: 120_000 });
}
