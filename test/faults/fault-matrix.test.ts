// The fault matrix (npm run test:faults; also part of npm test): every atom of both plans × fail,
// hang, crash before and after the effect, and an abort in every phase. Host workers run as
// supervised child processes, so a crash really kills one and the supervisor restarts it.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audit } from '../../sim/audit';
import type { Stack } from '../../workers/stack';
import { stackFor } from '../helpers/server';
import { LANES, matrixCells, matrixPool, type Cell } from './cells';
import { renderMatrix, writeMatrix } from './report';
import { runCell, type CellResult } from './run-cell';

const cells = matrixCells();
const OUT = process.env.LIVESHIFT_FAULT_MATRIX_OUT ?? '.liveshift/fault-matrix.md';

describe('fault matrix', () => {
  let stack: Stack;
  const results = new Map<string, CellResult>();

  beforeAll(async () => {
    const started = Date.now();
    stack = await stackFor(matrixPool(`matrix-${Date.now()}`), { hostProcesses: true });
    // Lanes run side by side, each its own VM; cells within a lane run one after another.
    const lanes: Cell[][] = Array.from({ length: LANES }, (_, i) => cells.filter((_, j) => j % LANES === i));
    await Promise.all(
      lanes.map(async (lane, i) => {
        for (const cell of lane) results.set(cell.id, await runCell(stack, `lane-${i}`, cell));
      }),
    );
    const table = renderMatrix([...results.values()], (Date.now() - started) / 1000);
    mkdirSync(dirname(OUT), { recursive: true });
    writeMatrix(OUT, table);
    console.log(table);
  }, 1_800_000);
  afterAll(() => stack.stop());

  it.each(cells.map((c) => [c.id, c] as const))('%s', (_id, cell) => {
    const r = results.get(cell.id)!;
    expect(r.error).toBeUndefined();
    expect(['migrated', 'rolled-back']).toContain(r.outcome);
    expect(r.runsOn).toEqual([r.expectedHost]);
    expect(r.leaked).toEqual([]);
    expect(r.violations).toBe(0);
    expect(r.pauseMatches).toBe(true);
    if (cell.kind === 'fault')
      expect(r.faultFired, `the fault never fired; outcome ${r.outcome}: ${r.reason}`).toBe(true);
    if (cell.kind === 'abort') {
      expect(r.abort).toBe(cell.phase === 'cleanup' ? 'refused' : 'accepted');
      expect(r.outcome).toBe(cell.phase === 'cleanup' ? 'migrated' : 'rolled-back');
    }
  });

  it('leaves the whole event log free of violations and every host worker restarted after its crashes', () => {
    expect(audit(stack.sim.events())).toEqual([]);
    expect([...stack.hosts.values()].reduce((n, h) => n + h.restarts, 0)).toBeGreaterThan(0);
  });
});
