// The Temporal server restarts (SQLite file, same port) while a migration is in pre-copy, and
// again while one is in downtime. Durable state on both sides: the migrations finish truthfully.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startDevServer, type DevServer } from '../../cli/temporal-server';
import type { MigrationPhase } from '../../workflows/definitions';
import { audit } from '../../sim/audit';
import { scratchState, startStack, type Stack } from '../../workers/stack';
import { e2ePool } from '../helpers/pools';
import { testTarget } from '../helpers/server';
import { waitForPhase } from '../helpers/wait';

describe('Temporal server restart', () => {
  const dbFile = join(mkdtempSync(join(tmpdir(), 'liveshift-restart-')), 'temporal.db');
  let port: number;
  let server: DevServer;
  let stack: Stack;

  beforeAll(async () => {
    port = await freePort();
    server = await startDevServer({ port, dbFile, ui: false });
    // Long pre-copy (8 GiB) and a slow late attach keep each phase open for seconds.
    const pool = e2ePool(`restart-${Date.now()}`, { timeScale: 0.5, latencyMs: { nfs: { attach: 6000 } } });
    pool.vms![0]!.memoryMiB = 8192;
    stack = await startStack({ ...testTarget(), address: server.address, stateFile: scratchState(pool) });
  });
  afterAll(async () => {
    await stack.stop();
    await server.stop();
  });

  it.each<MigrationPhase>(['precopy', 'downtime'])('survives a restart during %s', async (phase) => {
    const from = stack.sim.snapshot().vms[0]!.residentOn;
    const to = from === 'host-a' ? 'host-b' : 'host-a';
    const handle = await stack.start({ vm: 'vm-1', to });
    await waitForPhase(handle, phase);
    await server.stop();
    server = await startDevServer({ port, dbFile, ui: false });
    const r = await handle.result();
    expect(['migrated', 'rolled-back']).toContain(r.outcome);
    const host = r.outcome === 'migrated' ? to : from;
    expect(stack.sim.runningOn(r.vmUuid)).toEqual([host]);
    expect(stack.sim.attachments(r.vmUuid).filter((a) => a.host !== host)).toEqual([]);
    expect(audit(stack.sim.events())).toEqual([]);
  });
});
