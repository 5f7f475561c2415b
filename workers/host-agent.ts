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
  /** The host name callers reach the agent by (LIVESHIFT_AGENT_ADVERTISE); the bind address when absent. */
  advertise?: string;
  token?: Token;
}

export async function startHostAgent(o: HostAgentOptions): Promise<RunningAgent> {
  const started = await startAgent(o);
  const agent = o.advertise ? { ...started, url: advertised(started.url, o.advertise) } : started;
  o.registry.registerAgent(o.host, agent.url, process.pid);
  return agent;
}

/** The agent's URL with the advertised host name in place of the address it is bound to. */
export function advertised(url: string, host: string): string {
  const u = new URL(url);
  u.hostname = host;
  return u.origin;
}
