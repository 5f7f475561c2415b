// Faults on the production topology: the Temporal server killed in the middle of a migration and
// started again on the same PostgreSQL database, and a host process killed in the middle of a
// migration (its hot standby takes over). Each migration still ends truthfully: the VM on exactly
// one host, nothing attached elsewhere, the audit of the event log clean.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MigrationResult } from '../../domain/request';
import { audit } from '../../sim/audit';
import type { MigrationPhase } from '../../workflows/definitions';
import { e2ePool } from '../helpers/pools';
import { waitForPhase } from '../helpers/wait';
import { startPostgresTopology, type PostgresTopology } from './engine';

describe('faults on Temporal with PostgreSQL', () => {
  let pg: PostgresTopology;
  beforeAll(async () => {
    // Long pre-copy (8 GiB) and a slow late attach keep each phase open for seconds.
    const pool = e2ePool(`pg-faults-${Date.now()}`, { timeScale: 0.5, latencyMs: { nfs: { attach: 6000 } } });
    pool.vms![0]!.memoryMiB = 8192;
    pg = await startPostgresTopology(pool, { hostProcesses: true });
  });
  afterAll(() => pg?.stop());

  const away = () => {
    const from = pg.stack.sim.snapshot().vms[0]!.residentOn;
    return { from, to: from === 'host-a' ? 'host-b' : 'host-a' };
  };

  function expectTruthful(r: MigrationResult): void {
    expect(['migrated', 'rolled-back']).toContain(r.outcome);
    const host = r.outcome === 'migrated' ? r.to : r.from;
    expect(pg.stack.sim.runningOn(r.vmUuid)).toEqual([host]);
    expect(pg.stack.sim.attachments(r.vmUuid).filter((a) => a.host !== host)).toEqual([]);
    expect(audit(pg.stack.sim.events())).toEqual([]);
  }

  it.each<MigrationPhase>(['precopy', 'downtime'])(
    'survives the server killed and restarted during %s',
    async (phase) => {
      const { to } = away();
      const handle = await pg.stack.start({ vm: 'vm-1', to, plan: 'legacy' });
      await waitForPhase(handle, phase);
      await pg.engine.server.kill();
      await pg.engine.server.start();
      const r = await handle.result();
      expectTruthful(r);
      expect(r.outcome).toBe('migrated');
    },
  );

  it('survives the destination host process killed inside the downtime window: its standby takes over', async () => {
    const { to } = away();
    const host = pg.stack.hosts.get(to)!;
    const restarts = host.restarts;
    const handle = await pg.stack.start({ vm: 'vm-1', to, plan: 'legacy' });
    await waitForPhase(handle, 'downtime');
    await new Promise((r) => setTimeout(r, 300));
    host.kill();
    const r = await handle.result();
    expect(host.restarts).toBe(restarts + 1);
    expectTruthful(r);
    expect(r.outcome).toBe('migrated');
  });
});
