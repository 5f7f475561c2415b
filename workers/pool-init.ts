// Entry point of docker-compose.yml's one-shot `pool-init` service: `node --require tsx/cjs
// workers/pool-init.ts [pool-file]` initialises LIVESHIFT_STATE from the pool file unless it
// already holds that pool (`liveshift up` does the same before it starts its processes).
import { loadPoolFile } from '../sim/pool-file';
import { DEFAULT_POOL_FILE, loadConfig } from './config';
import { preparePoolState } from './pool-state';

try {
  const file = process.argv[2] ?? DEFAULT_POOL_FILE;
  const pool = loadPoolFile(file);
  const { stateFile } = loadConfig();
  const outcome = preparePoolState(stateFile, pool, false);
  console.log(
    `pool "${pool.name}" ${outcome === 'initialised' ? `initialised from ${file}` : 'resumed'} in ${stateFile}`,
  );
} catch (err) {
  console.error(`pool-init: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
