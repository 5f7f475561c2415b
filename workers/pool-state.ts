// The pool state a stack starts from: initialised from the pool file when it holds no pool or
// another one (or when asked to start over), otherwise resumed as it is.
import type { Pool } from '../domain/pool';
import { SimPool } from '../sim/sim-pool';

export function preparePoolState(stateFile: string, pool: Pool, fresh: boolean): 'initialised' | 'resumed' {
  const sim = SimPool.open(stateFile);
  try {
    if (!fresh && sim.initialised && sim.config().name === pool.name) return 'resumed';
    sim.initialise(pool);
    return 'initialised';
  } finally {
    sim.close();
  }
}
