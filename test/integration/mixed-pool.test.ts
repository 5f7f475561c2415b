// A pool being upgraded: host-c still runs an older toolstack (vbdPlugUnplugLegacy: true). Its VBDs
// get the legacy treatment, while the other hosts keep attaching early, in the same migration plan.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audit } from '../../sim/audit';
import type { Stack } from '../../workers/stack';
import { e2ePool } from '../helpers/pools';
import { stackFor } from '../helpers/server';

describe('mixed pool during an upgrade', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await stackFor(
      e2ePool('mixed', {
        timeScale: 0.1,
        hosts: [{ name: 'host-a' }, { name: 'host-b' }, { name: 'host-c', vbdPlugUnplugLegacy: true }],
      }),
    );
  });
  afterAll(() => stack.stop());

  it('attaches nothing early on a legacy destination, with the reason', async () => {
    const r = await stack.migrate({ vm: 'vm-1', to: 'host-c', plan: 'early-attach' });
    expect(r.outcome).toBe('migrated');
    expect(r.earlyAttached).toEqual([]);
    const attaches = r.atoms.filter((a) => a.atom === 'VBD_attach' && a.host === 'host-c');
    expect(attaches.map((a) => a.device).sort()).toEqual(['xvda', 'xvdb', 'xvdc']);
    expect(attaches.every((a) => a.inDowntime)).toBe(true);
  });

  it('still attaches SMAPIv3 disks early on an upgraded destination', async () => {
    const r = await stack.migrate({ vm: 'vm-1', to: 'host-b', plan: 'early-attach' });
    expect(r.outcome).toBe('migrated');
    expect(r.earlyAttached).toEqual(['xvda', 'xvdb']);
    expect(r.atoms.filter((a) => a.atom === 'VBD_attach' && a.inDowntime).map((a) => a.device)).toEqual(['xvdc']);
    expect(audit(stack.sim.events())).toEqual([]);
  });
});
