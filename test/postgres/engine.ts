// The PostgreSQL topology for a test file: a fresh cluster, schema and Temporal server in a
// temporary folder (removed afterwards), and a stack of liveshift processes on it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import type { PoolInput } from '../../domain/pool';
import { startPostgresEngine, type PostgresEngine, type PostgresEngineOptions } from '../../engine';
import { scratchState, startStack, type Stack, type StackOptions } from '../../workers/stack';

export interface PostgresTopology {
  engine: PostgresEngine;
  stack: Stack;
  stop(): Promise<void>;
}

export async function startPostgresTopology(
  pool: PoolInput,
  extra: Partial<StackOptions> = {},
  engineOptions: Partial<PostgresEngineOptions> = {},
): Promise<PostgresTopology> {
  const dir = mkdtempSync(join(tmpdir(), 'liveshift-pg-test-'));
  const engine = await startPostgresEngine({ dir, scratch: true, ...engineOptions }).catch((err: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  });
  const stack = await startStack({
    address: engine.address,
    stateFile: scratchState(pool),
    workflowBundlePath: inject('workflowBundlePath'),
    ...extra,
  }).catch(async (err: unknown) => {
    await engine.stop();
    throw err;
  });
  return {
    engine,
    stack,
    async stop() {
      await stack.stop();
      await engine.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
