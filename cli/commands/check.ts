// `liveshift check`: audit the whole event log against the four invariants.
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
    if (o.json) console.log(JSON.stringify({ pool: pool.name, events: events.length, violations }));
    else if (violations.length === 0)
      console.log(`pool "${pool.name}": ${events.length} events audited, no violation of the four invariants`);
    else
      for (const v of violations) console.log(`violation of invariant ${v.invariant} at event ${v.seq}: ${v.message}`);
    return violations.length === 0 ? EXIT.ok : EXIT.failed;
  } finally {
    sim.close();
  }
}
