// The memory figure of the `progress` query: what each memory atom of a plan sends, as modelled.
import { describe, expect, it } from 'vitest';
import { atomMemoryMiB, memoryModel } from '../../domain/latency';
import { planned, smallPool } from './fixtures';

describe('atomMemoryMiB', () => {
  const pool = smallPool();
  const { calls, pick } = planned(pool);

  it('counts every pre-copy round for VM_precopy and the last dirty set for VM_memory_final', () => {
    const m = memoryModel(256, 20, pool.network.migrationMiBps);
    const rounds = m.roundsMs.reduce((a, ms) => a + (ms / 1000) * pool.network.migrationMiBps, 0);
    expect(atomMemoryMiB(pick('VM_precopy'))).toBeCloseTo(rounds);
    expect(atomMemoryMiB(pick('VM_memory_final'))).toBeCloseTo(m.finalMiB);
    // The first round alone sends the whole memory.
    expect(atomMemoryMiB(pick('VM_precopy'))).toBeGreaterThanOrEqual(256);
  });

  it('is 0 for every other atom, and for a memory atom without its memory figures', () => {
    const others = calls.filter((c) => c.atom !== 'VM_precopy' && c.atom !== 'VM_memory_final');
    expect(others.length).toBeGreaterThan(5);
    for (const call of others) expect(atomMemoryMiB(call)).toBe(0);
    expect(atomMemoryMiB({ ...pick('VM_precopy'), memory: undefined })).toBe(0);
  });
});
