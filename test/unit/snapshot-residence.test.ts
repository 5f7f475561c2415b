// The pool snapshot reads every VM's residence in one query (sim/store.ts residences); it must
// agree with the per-VM rule (SimPool.residence) at every step of a migration, both plans.
import { afterEach, describe, expect, it } from 'vitest';
import { atomsOf } from '../../domain/atoms';
import { vmUuid } from '../../domain/ids';
import { planMigration } from '../../domain/planner';
import { loadPoolFile } from '../../sim/pool-file';
import type { SimPool } from '../../sim/sim-pool';
import { closeSims, EXAMPLE_POOL, openSim } from './fixtures';

afterEach(closeSims);

const pool = { ...loadPoolFile(EXAMPLE_POOL), timeScale: 0.00001 };

const agrees = (sim: SimPool) => {
  const config = sim.config();
  const perVm = config.vms.map((vm) => sim.residence(vmUuid(config.name, vm.name)) ?? vm.residentOn);
  expect(sim.snapshot().vms.map((v) => v.residentOn)).toEqual(perVm);
};

describe.each(['early-attach', 'legacy'] as const)('snapshot residence during app-01 -> host-a (%s)', (kind) => {
  it('matches the per-VM rule after every atom', async () => {
    const sim = openSim(pool);
    agrees(sim);
    for (const call of atomsOf(planMigration(pool, { vm: 'app-01', to: 'host-a', plan: kind }, 'mig-1').plan)) {
      await sim.run(call, {});
      agrees(sim);
    }
    expect(sim.snapshot().vms.find((v) => v.name === 'app-01')?.residentOn).toBe('host-a');
  });
});
