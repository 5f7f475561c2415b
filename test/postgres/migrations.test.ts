// Migrations on the production topology: the Temporal server on PostgreSQL (engine/), every host
// in its own process. Both plans, the search attributes and `list` from PostgreSQL visibility, an
// abort, and the Web UI reading the same server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { freePort } from '../../cli/temporal-server';
import { abortUpdate, searchAttributes } from '../../workflows/definitions';
import { audit } from '../../sim/audit';
import { expectRolledBackCleanly } from '../helpers/assertions';
import { liveshift } from '../helpers/cli';
import { e2ePool } from '../helpers/pools';
import { waitForPhase } from '../helpers/wait';
import { startPostgresTopology, type PostgresTopology } from './engine';

describe('migrations on Temporal with PostgreSQL', () => {
  let pg: PostgresTopology;
  beforeAll(async () => {
    const pool = e2ePool(`pg-${Date.now()}`, { timeScale: 0.2 });
    pool.vms!.push({ ...pool.vms![0]!, name: 'vm-2', memoryMiB: 16384 });
    pg = await startPostgresTopology(pool, { hostProcesses: true }, { uiPort: await freePort() });
  });
  afterAll(() => pg?.stop());

  it('migrates with both plans, downtime measured by the hosts', async () => {
    const out = await pg.stack.migrate({ vm: 'vm-1', to: 'host-b', plan: 'early-attach' });
    const back = await pg.stack.migrate({ vm: 'vm-1', to: 'host-a', plan: 'legacy' });
    for (const r of [out, back]) expect(r.outcome).toBe('migrated');
    expect(out.earlyAttached).toEqual(['xvda', 'xvdb']);
    expect(back.earlyAttached).toEqual([]);
    // Legacy attaches every disk inside the window: its pause is the longer one.
    expect(back.downtimeMs).toBeGreaterThan(out.downtimeMs);
    expect(pg.stack.sim.runningOn(out.vmUuid)).toEqual(['host-a']);
    expect(audit(pg.stack.sim.events())).toEqual([]);
  });

  it('finds migrations by search attribute in PostgreSQL visibility', async () => {
    const query = `${searchAttributes.VmName.name} = 'vm-1' AND ${searchAttributes.MigrationPlan.name} = 'legacy'`;
    const found = await until(async () => {
      const list = [];
      for await (const wf of pg.stack.client.workflow.list({ query })) list.push(wf);
      return list.length === 1 && list[0]!.status.name === 'COMPLETED' ? list : undefined;
    });
    const sa = found[0]!.typedSearchAttributes;
    expect(sa.get(searchAttributes.DestinationHost)).toBe('host-a');
    expect(sa.get(searchAttributes.MigrationPhase)).toBe('done');
    expect(sa.get(searchAttributes.DowntimeMs)).toBeGreaterThan(0);
    const run = await liveshift(['list', '--json'], { TEMPORAL_ADDRESS: pg.engine.address });
    expect(run.code).toBe(0);
    const rows = z
      .array(z.object({ vm: z.string(), plan: z.string(), status: z.string() }))
      .parse(JSON.parse(run.stdout));
    expect(rows.filter((r) => r.vm === 'vm-1').map((r) => r.plan)).toEqual(
      expect.arrayContaining(['early-attach', 'legacy']),
    );
  });

  it('rolls back an abort during pre-copy', async () => {
    const handle = await pg.stack.start({ vm: 'vm-2', to: 'host-b' });
    await waitForPhase(handle, 'precopy');
    const accepted = await handle.executeUpdate(abortUpdate, { args: [{ reason: 'change freeze' }] });
    expect(accepted).toEqual({ accepted: true, phase: 'precopy' });
    const r = await handle.result();
    expectRolledBackCleanly(pg.stack, r);
    expect(r.reason).toMatch(/change freeze/);
  });

  it('serves the Web UI on the same server, with liveshift search attributes', async () => {
    const res = await fetch(`${pg.engine.uiUrl}/api/v1/namespaces/default/search-attributes`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { customAttributes?: Record<string, string> };
    expect(Object.keys(body.customAttributes ?? {})).toEqual(
      expect.arrayContaining(Object.values(searchAttributes).map((k) => k.name)),
    );
  });
});

/** Visibility is eventually consistent: ask again until the answer is there. */
async function until<T>(probe: () => Promise<T | undefined>, withinMs = 10_000): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`not found within ${withinMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
