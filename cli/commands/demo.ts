// `liveshift demo`: migrate every sample VM with both plans and print what early attach saves.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Pool } from '../../domain/pool';
import type { MigrationResult, PlanKind } from '../../domain/request';
import { killQemuGuests } from '../../qemu/boot';
import { audit } from '../../sim/audit';
import { config } from '../context';
import { EXIT } from '../errors';
import { ms, summary, table } from '../format';
import { awaitQemuGuests, printQemuReport } from './demo-qemu';
import { writeHtmlReport } from './report';
import { bringUp, untilInterrupted, type UpOptions } from './up';

export interface DemoOptions extends UpOptions {
  exit?: boolean;
}

const nextHost = (pool: Pool, host: string) => {
  const i = pool.hosts.findIndex((h) => h.name === host);
  return pool.hosts[(i + 1) % pool.hosts.length]!.name;
};

export async function demoCommand(o: DemoOptions): Promise<number> {
  const { stack, server, pool, stop } = await bringUp(o, true);
  await awaitQemuGuests(pool, stack.stateFile, (l) => console.error(l));
  const results: MigrationResult[] = [];
  // Each VM goes out with early attach and comes home with the legacy plan: same VM, same disks.
  for (const vm of pool.vms) {
    for (const [plan, to] of [
      ['early-attach', nextHost(pool, vm.residentOn)],
      ['legacy', vm.residentOn],
    ] as [PlanKind, string][]) {
      const r = await stack.migrate({ vm: vm.name, to, plan });
      console.error(`  ${summary(r)}`);
      results.push(r);
    }
  }
  const violations = audit(stack.sim.events());
  printReport(pool, results, violations.length);
  const guestsWhole = printQemuReport(pool, stack.stateFile, results, stack.sim.events());
  writeReport(results, violations.length, server.uiUrl);
  if (!o.exit) {
    console.error(`\nliveshift: the stack stays up — Web UI ${server.uiUrl}; Ctrl-C to stop`);
    await untilInterrupted();
  }
  await stop();
  // The demo's pool is initialised afresh on every run: its QEMU guests (which outlive a stack
  // under `liveshift up`) go with it instead of counting on in the background.
  await killQemuGuests(stack.stateFile);
  const ok = results.every((r) => r.outcome === 'migrated') && violations.length === 0 && guestsWhole;
  return ok ? EXIT.ok : EXIT.failed;
}

function printReport(pool: Pool, results: MigrationResult[], violations: number): void {
  const disks = (vm: string) => pool.vms.find((v) => v.name === vm)?.vbds.filter((b) => !b.empty).length ?? 0;
  const rows = results.map((r) => [
    r.vm,
    `${r.earlyAttached.length}/${disks(r.vm)}`,
    r.plan,
    ms(r.downtimeMs),
    ms(r.idleInDowntimeMs),
    ms(r.totalMs),
    r.outcome,
  ]);
  console.log(
    `\n${table(['VM', 'disks early/total', 'plan', 'downtime ms', 'idle ms', 'total ms', 'outcome'], rows)}\n`,
  );
  const saved = pool.vms.map((vm) => {
    const of = (plan: PlanKind) => results.find((r) => r.vm === vm.name && r.plan === plan)?.downtimeMs ?? 0;
    return [vm.name, ms(of('legacy')), ms(of('early-attach')), ms(of('legacy') - of('early-attach'))];
  });
  console.log(`${table(['VM', 'legacy downtime ms', 'early-attach downtime ms', 'saved ms'], saved)}\n`);
  console.log(`invariant violations: ${violations}`);
}

function writeReport(results: MigrationResult[], violations: number, uiUrl: string | null): void {
  const file = join(dirname(config().stateFile), 'demo-report.json');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify({ at: new Date().toISOString(), uiUrl, violations, results }, null, 2)}\n`);
  console.log(`report: ${file}`);
  // The same results as a timeline: each VM out with early attach and back with legacy, one axis.
  writeHtmlReport(join(dirname(file), 'demo-report.html'), results);
}
