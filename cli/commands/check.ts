// `liveshift check`: audit the whole event log against the four invariants; for a pool with qemu
// hosts, check QEMU itself too (qemu/invariants.ts): one running guest per VM, one writer per disk.
import type { Pool } from '../../domain/pool';
import { checkQemuInvariants, qemuVms } from '../../qemu/invariants';
import { audit } from '../../sim/audit';
import { loadPoolFile } from '../../sim/pool-file';
import { config, openState } from '../context';
import { EXIT, UsageError } from '../errors';

export async function checkCommand(o: { pool?: string; json?: boolean }): Promise<number> {
  const sim = openState();
  try {
    const pool = sim.config();
    if (o.pool !== undefined && loadPoolFile(o.pool).name !== pool.name)
      throw new UsageError(`state file ${config().stateFile} holds pool "${pool.name}", not the pool of ${o.pool}`);
    const events = sim.events();
    const violations = audit(events);
    const snapshot = sim.snapshot();
    const qemu = hasQemuHosts(pool) ? await checkQemuInvariants(sim.file, snapshot) : undefined;
    if (o.json)
      console.log(JSON.stringify({ pool: pool.name, events: events.length, violations, ...(qemu && { qemu }) }));
    else {
      if (violations.length === 0)
        console.log(`pool "${pool.name}": ${events.length} events audited, no violation of the four invariants`);
      for (const v of violations) console.log(`violation of invariant ${v.invariant} at event ${v.seq}: ${v.message}`);
      if (qemu) printQemu(qemu, qemuVms(snapshot).length);
    }
    return violations.length === 0 && (qemu?.length ?? 0) === 0 ? EXIT.ok : EXIT.failed;
  } finally {
    sim.close();
  }
}

const hasQemuHosts = (pool: Pool): boolean => pool.hosts.some((h) => h.backend === 'qemu');

function printQemu(violations: string[], guests: number): void {
  if (violations.length === 0)
    console.log(`QEMU: ${guests} guest(s) checked: each runs in one QEMU, each writable disk has one writer`);
  for (const v of violations) console.log(`QEMU violation: ${v}`);
}
