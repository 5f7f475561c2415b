import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audit } from '../../sim/audit';
import { e2ePool } from '../helpers/pools';
import { startStack, type TestStack } from '../helpers/stack';

describe('live migration end to end', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack(e2ePool('e2e'));
  });
  afterAll(() => stack.stop());

  it('migrates with early attach', async () => {
    const r = await stack.migrate({ vm: 'vm-1', to: 'host-b' });
    console.log(JSON.stringify({ ...r, atoms: r.atoms.length }));
    expect(r.outcome).toBe('migrated');
    const back = await stack.migrate({ vm: 'vm-1', to: 'host-a', plan: 'legacy' });
    console.log(JSON.stringify({ ...back, atoms: back.atoms.length }));
    expect(audit(stack.sim.events())).toEqual([]);
  });
});
