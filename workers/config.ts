// Process configuration, parsed with zod from the environment at the boundary.
import { z } from 'zod';
import { zodMessage } from '../domain/zod-message';

export const DEFAULT_STATE_FILE = '.liveshift/pool.db';
export const DEFAULT_POOL_FILE = 'examples/pool.yaml';

const envSchema = z.object({
  TEMPORAL_ADDRESS: z.string().min(1).default('localhost:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  LIVESHIFT_STATE: z.string().min(1).default(DEFAULT_STATE_FILE),
});
export type Config = { address: string; namespace: string; stateFile: string };

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) throw new Error(`configuration: ${zodMessage(parsed.error)}`);
  return { address: parsed.data.TEMPORAL_ADDRESS, namespace: parsed.data.TEMPORAL_NAMESPACE, stateFile: parsed.data.LIVESHIFT_STATE };
}
