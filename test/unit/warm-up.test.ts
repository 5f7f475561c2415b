// The warm-up a host or orchestrator process runs before it serves (agent/warm-up.ts): whole
// windows through the real runner and agents, on a private pool, and nothing left behind.
import { describe, expect, it } from 'vitest';
import { warmUp } from '../../agent/warm-up';

describe('warm-up', () => {
  it('runs whole downtime windows and can run again (its agents and private pool closed)', async () => {
    // A failed window throws; a leaked agent or state would make the second run fail.
    expect(await warmUp(300)).toBeGreaterThan(0);
    expect(await warmUp(50)).toBeGreaterThan(0);
  });
});
