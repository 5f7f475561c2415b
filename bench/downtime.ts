// `npm run bench`: migrate every VM of a pool with both plans, several rounds, on a real dev
// server, and print what early attach saves against what it should save. Writes JSON too.
//   npm run bench -- [--pool examples/pool.yaml] [--rounds 3]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startDevServer } from '../cli/temporal-server';
import { ms, table } from '../cli/format';
import { attachOnDowntimePath } from '../domain/measure';
import type { MigrationResult, PlanKind } from '../domain/request';
import { loadPoolFile } from '../sim/pool-file';
import { scratchState, startStack } from '../workers/stack';

const { values } = parseArgs({
  options: { pool: { type: 'string', default: 'examples/pool.yaml' }, rounds: { type: 'string', default: '3' } },
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function main(): Promise<void> {
  const pool = loadPoolFile(values.pool);
  const rounds = Number(values.rounds);
  const server = await startDevServer({ ui: false });
  const stack = await startStack({
    address: server.address,
    stateFile: scratchState({ ...pool, name: `bench-${Date.now()}` }),
  });
  const results: MigrationResult[] = [];
  try {
    for (let round = 0; round < rounds; round++)
      for (const vm of pool.vms) {
        const away = pool.hosts.find((h) => h.name !== vm.residentOn)!.name;
        for (const [plan, to] of [
          ['early-attach', away],
          ['legacy', vm.residentOn],
        ] as [PlanKind, string][]) {
          const r = await stack.migrate({ vm: vm.name, to, plan });
          if (r.outcome !== 'migrated') throw new Error(`${vm.name} ${plan}: ${r.outcome} (${r.reason})`);
          results.push(r);
        }
      }
  } finally {
    await stack.stop();
    await server.stop();
  }
  report(
    pool.vms.map((v) => v.name),
    results,
    rounds,
  );
}

function report(vms: string[], results: MigrationResult[], rounds: number): void {
  const of = (vm: string, plan: PlanKind) => results.filter((r) => r.vm === vm && r.plan === plan);
  const rows = vms.map((vm) => {
    const [e, l] = [of(vm, 'early-attach'), of(vm, 'legacy')];
    const saved = median(l.map((r) => r.downtimeMs)) - median(e.map((r) => r.downtimeMs));
    const expected = median(l.map(attachOnDowntimePath)) - median(e.map(attachOnDowntimePath));
    return {
      vm,
      legacyMs: median(l.map((r) => r.downtimeMs)),
      earlyMs: median(e.map((r) => r.downtimeMs)),
      savedMs: saved,
      expectedMs: expected,
      idleEarlyMs: median(e.map((r) => r.idleInDowntimeMs)),
      idleLegacyMs: median(l.map((r) => r.idleInDowntimeMs)),
    };
  });
  console.log(`downtime per VM, median of ${rounds} rounds (ms, measured by the simulated hosts)\n`);
  console.log(
    table(
      ['VM', 'legacy', 'early-attach', 'saved', 'attach on path (expected)', 'idle early', 'idle legacy'],
      rows.map((r) => [
        r.vm,
        ms(r.legacyMs),
        ms(r.earlyMs),
        ms(r.savedMs),
        ms(r.expectedMs),
        ms(r.idleEarlyMs),
        ms(r.idleLegacyMs),
      ]),
    ),
  );
  const dir = join('.liveshift', 'bench');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'downtime.json'),
    `${JSON.stringify({ at: new Date().toISOString(), rounds, rows, results }, null, 2)}\n`,
  );
  console.log(`\nwrote ${join(dir, 'downtime.json')}`);
}

main().catch((err: unknown) => {
  console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
