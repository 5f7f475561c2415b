// Starting a host's agent and registering its address in the pool state, where callers look it
// up. Kept free of the Temporal SDK so a restarted host process serves its agent at once.
import type { Token } from '../agent/auth';
import { startAgent, type RunningAgent } from '../agent/server';
import type { AgentRegistry, MigrationControl, Toolstack } from '../domain/toolstack';

export interface HostAgentOptions {
  host: string;
  toolstack: Toolstack;
  registry: AgentRegistry;
  /** Where an abort and the point of no return are decided (the pool state). */
  control: MigrationControl;
  bind: string;
  port: number;
  token?: Token;
}

export async function startHostAgent(o: HostAgentOptions): Promise<RunningAgent> {
  const agent = await startAgent(o);
  o.registry.registerAgent(o.host, agent.url, process.pid);
  return agent;
}
