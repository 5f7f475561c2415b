// `liveshift plan <vm> --to <host>`: the dry run. No server needed.
import { renderPlan } from '../../domain/atoms';
import { planMigration } from '../../domain/planner';
import { predictDowntimeMs, predictMs } from '../../domain/predict';
import { migrationRequestSchema, validateRequest, type PlanKind } from '../../domain/request';
import { zodMessage } from '../../domain/zod-message';
import { DEFAULT_POOL_FILE } from '../../workers/config';
import { poolSnapshot } from '../context';
import { EXIT, UsageError } from '../errors';
import { ms, table } from '../format';

export interface PlanOptions {
  to: string;
  pool?: string;
  plan: string;
  json?: boolean;
}

export async function planCommand(vm: string, o: PlanOptions): Promise<number> {
  const parsed = migrationRequestSchema.safeParse({ vm, to: o.to, plan: o.plan });
  if (!parsed.success) throw new UsageError(zodMessage(parsed.error));
  const pool = poolSnapshot(o.pool, DEFAULT_POOL_FILE);
  const valid = validateRequest(pool, parsed.data);
  if (!valid.ok) throw new UsageError(valid.message);
  const both = (['early-attach', 'legacy'] as PlanKind[]).map((kind) => {
    const m = planMigration(pool, { ...parsed.data, plan: kind }, 'dry-run');
    return { m, downtimeMs: predictDowntimeMs(pool, m), totalMs: predictMs(pool, m.plan) };
  });
  const chosen = both.find((b) => b.m.kind === parsed.data.plan) ?? both[0]!;
  if (o.json) {
    console.log(
      JSON.stringify({
        vm,
        from: chosen.m.from,
        to: o.to,
        plan: chosen.m.kind,
        decisions: chosen.m.decisions,
        predicted: Object.fromEntries(both.map((b) => [b.m.kind, { downtimeMs: b.downtimeMs, totalMs: b.totalMs }])),
        atoms: renderPlan(chosen.m.plan),
      }),
    );
    return EXIT.ok;
  }
  console.log(`${vm}: ${chosen.m.from} → ${o.to}, plan ${chosen.m.kind}\n`);
  console.log(
    table(
      ['VBD', 'early', 'reason'],
      chosen.m.decisions.map((d) => [d.device, d.early ? 'yes' : 'no', d.detail]),
    ),
  );
  console.log(`\n${renderPlan(chosen.m.plan).join('\n')}\n`);
  console.log(
    table(
      ['plan', 'predicted downtime ms', 'predicted total ms'],
      both.map((b) => [b.m.kind, ms(b.downtimeMs), ms(b.totalMs)]),
    ),
  );
  return EXIT.ok;
}
