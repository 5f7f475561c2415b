// planRollback executed against the simulated pool from every failure point before the destination
// unpause (docs/design.md §4): the VM runs again on the source only, the destination keeps no attachment
// and no domain, and the audit finds nothing.
import { afterEach, describe, expect, it } from 'vitest';
import { atomsOf } from '../../domain/atoms';
import { FailureType } from '../../domain/errors';
import { MIGRATION_END_OP } from '../../domain/events';
import { planMigration } from '../../domain/planner';
import { planRollback } from '../../domain/rollback';
import { audit } from '../../sim/audit';
import { loadPoolFile } from '../../sim/pool-file';
import * as store from '../../sim/store';
import { closeSims, EXAMPLE_POOL, expectFailure, openSim } from './fixtures';

afterEach(closeSims);

// app-01 mixes SMAPIv3 and SMAPIv1 disks and a read-only base image shared with cache-01.
const pool = { ...loadPoolFile(EXAMPLE_POOL), timeScale: 0.00001 };

describe.each(['early-attach', 'legacy'] as const)('rollback of app-01 -> host-a (%s plan)', (kind) => {
  const m = planMigration(pool, { vm: 'app-01', to: 'host-a', plan: kind }, 'mig-1');
  const calls = atomsOf(m.plan);
  const unpause = calls.findIndex((c) => c.atom === 'VM_unpause' && c.phase === 'downtime');
  const points = calls
    .slice(0, unpause)
    .map((c, i) => [i, `${c.atom}${c.vbd ? ` ${c.vbd.device}` : ''}@${c.host}`] as const);

  it.each(points)('failure at atom %i (%s), whether or not it took effect', async (i) => {
    for (const tookEffect of [false, true]) {
      const sim = openSim(pool);
      for (const c of calls.slice(0, i)) await sim.run(c, {});
      const failing = calls[i]!;
      if (tookEffect) await sim.run(failing, {});
      else {
        sim.addFault({ atom: failing.atom, host: failing.host, device: failing.vbd?.device, effect: 'fail', times: 1 });
        await expectFailure(() => sim.run(failing, {}), FailureType.InjectedFault);
      }
      for (const c of atomsOf(planRollback(m, calls.slice(0, i + 1)).plan)) await sim.run(c, {});
      sim.appendEvent({
        host: 'host-c',
        op: MIGRATION_END_OP,
        vmUuid: m.vmUuid,
        migrationId: 'mig-1',
        startMs: 0,
        endMs: 0,
      });

      expect(sim.runningOn(m.vmUuid)).toEqual(['host-c']);
      expect(store.domainsOfVm(sim.db, m.vmUuid).map((d) => d.host)).toEqual(['host-c']);
      const atts = sim.attachments(m.vmUuid);
      expect(atts.filter((a) => a.host !== 'host-c')).toEqual([]);
      expect(atts.map((a) => [a.device, a.active])).toEqual([
        ['xvda', 1],
        ['xvdb', 1],
        ['xvdc', 1],
        ['xvde', 1],
      ]);
      const records = sim.db.prepare(`SELECT COUNT(*) FROM vm_extra WHERE host = 'host-a' AND dom_id IN (?, ?)`);
      expect(records.pluck().get(m.vmUuid, m.tempId)).toBe(0);
      expect(audit(sim.events())).toEqual([]);
      closeSims();
    }
  });
});
