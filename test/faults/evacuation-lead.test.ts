// The orchestrator killed while an evacuation's migration runs its first atom direct (the
// workflow task that was granted the slot runs it, `slot-lead-direct`): that task is lost with the
// process, so the restarted orchestrator asks for the slot again. It must get the same slot and
// destination — the atom already took effect there, even if that host has begun an evacuation of
// its own since — run the atom again (a no-op), and finish: the VM on one host, no domain created
// anywhere else, the audit clean.
import { afterEach, describe, expect, it } from 'vitest';
import { startEvacuation } from '../../client/evacuations';
import { vmUuid } from '../../domain/ids';
import { audit } from '../../sim/audit';
import type { Stack } from '../../workers/stack';
import { e2ePool } from '../helpers/pools';
import { stackFor } from '../helpers/server';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

/** The end-to-end pool with a second destination, so a slot placed afresh could go elsewhere. */
const pool = (name: string) =>
  e2ePool(name, { timeScale: 0.2, hosts: [{ name: 'host-a' }, { name: 'host-b' }, { name: 'host-c' }] });

async function until(check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('an evacuation migration whose first atom runs direct, under faults', () => {
  it('keeps its slot and destination when the orchestrator dies in the middle of that atom', async () => {
    const s = (stack = await stackFor(pool(`lead-crash-${Date.now()}`), {
      hostProcesses: true,
      orchestratorProcess: true,
    }));
    const uuid = vmUuid(s.sim.config().name, 'vm-1');
    const creates = () => s.sim.events().filter((e) => e.vmUuid === uuid && e.op === 'VM_create');
    // The atom takes effect on the destination, then hangs before it replies.
    s.sim.addFault({ atom: 'VM_create', vm: 'vm-1', effect: 'hang', at: 'after' });
    const handle = await startEvacuation(s.client, s.sim.snapshot(), { host: 'host-a' });
    await until(() => creates().length === 1);
    const first = creates()[0]!.host;
    // Placed afresh, the VM would now go elsewhere: its destination has begun an evacuation of its own.
    expect(s.sim.beginEvacuation(first, `evacuate-${first}-meanwhile`)).toEqual({ ok: true });
    s.orchestrator!.kill();
    const result = await handle.result();
    s.sim.endEvacuation(first, `evacuate-${first}-meanwhile`);
    expect(s.orchestrator!.restarts).toBe(1);
    expect(result.outcome).toBe('evacuated');
    expect(result.vms[0]).toMatchObject({ vm: 'vm-1', outcome: 'migrated', to: first });
    expect(s.sim.runningOn(uuid)).toEqual([first]);
    // Run again where it had taken effect, and nowhere else.
    expect(creates().length).toBeGreaterThanOrEqual(2);
    expect(new Set(creates().map((e) => e.host))).toEqual(new Set([first]));
    expect(s.sim.attachments(uuid).every((a) => a.host === first)).toBe(true);
    expect(audit(s.sim.events())).toEqual([]);
  });
});
