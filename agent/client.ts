// Calling a host's agent: one request per host run of a plan (agent/protocol.ts). The request is
// sent ahead and held by the agent until `go()`, so connecting, sending, parsing and validating a
// plan are paid before its turn comes, never between two hosts' atoms. Connections are kept alive
// and reused. How a call can end is in agent/errors.ts.
import { Agent } from 'node:http';
import type { AgentRegistry } from '../domain/toolstack';
import type { Token } from './auth';
import { AgentUnreachable } from './errors';
import { PLANS_PATH, type AgentLine, type End, type PlanRequest } from './protocol';
import { failedRun, openRun, type OpenRun } from './stream';

export class AgentClient {
  /** Idle kept-alive sockets are unref'd by Node: they never hold a process open. */
  private readonly pool = new Agent({ keepAlive: true, maxSockets: 256, noDelay: true });
  private readonly urls = new Map<string, string>();

  constructor(
    private readonly registry: Pick<AgentRegistry, 'agentUrl'>,
    private readonly token?: Token,
  ) {}

  /** Sends `body` to `host`'s agent, which checks it and holds it until `go()`. */
  open(host: string, body: PlanRequest, onLine: (l: AgentLine) => void, signal?: AbortSignal): OpenRun {
    const url = this.urlOf(host);
    if (url === undefined) return failedRun(new AgentUnreachable(`no agent is registered for ${host}`));
    this.urls.set(host, url);
    const run = openRun({ pool: this.pool, url: `${url}${PLANS_PATH}`, host, token: this.token }, body, onLine, signal);
    // Read the registry again after a failure: a restarted agent registers a new address.
    run.done.catch(() => this.urls.delete(host));
    return run;
  }

  /** Where `host`'s agent listens, if it registered. */
  urlOf(host: string): string | undefined {
    return this.urls.get(host) ?? this.registry.agentUrl(host);
  }

  /** `open`, and go at once. */
  runPlan(host: string, body: PlanRequest, onLine: (l: AgentLine) => void, signal?: AbortSignal): Promise<End> {
    const run = this.open(host, body, onLine, signal);
    run.go();
    return run.done;
  }
}
