// The shared test server and bundle, provided by test/global-setup.ts.
import { inject } from 'vitest';
import type { PoolInput } from '../../domain/pool';
import { startStack, type LocalStack } from '../../workers/in-process-stack';

export const testTarget = () => ({
  address: inject('temporalAddress'),
  workflowBundlePath: inject('workflowBundlePath'),
});

export const stackFor = (pool: PoolInput): Promise<LocalStack> => startStack(pool, testTarget());
