// The shared test server and bundle, provided by test/global-setup.ts, and a stack on them.
import { inject } from 'vitest';
import type { PoolInput } from '../../domain/pool';
import { scratchState, startStack, type Stack, type StackOptions } from '../../workers/stack';

export const testTarget = () => ({
  address: inject('temporalAddress'),
  workflowBundlePath: inject('workflowBundlePath'),
});

/** A stack on the test server with a fresh state file holding `pool`. */
export const stackFor = (pool: PoolInput, extra: Partial<StackOptions> = {}): Promise<Stack> =>
  startStack({ ...testTarget(), stateFile: scratchState(pool), ...extra });

/** The environment that points the real `liveshift` command (test/helpers/cli.ts) at `stack`. */
export const cliEnv = (stack: Pick<Stack, 'stateFile'>): NodeJS.ProcessEnv => ({
  LIVESHIFT_STATE: stack.stateFile,
  TEMPORAL_ADDRESS: testTarget().address,
});
