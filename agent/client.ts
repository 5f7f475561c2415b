// One attempt of one atom on a host's agent. Connections are kept alive and reused, so an atom
// inside the downtime window costs one loopback round trip, not a handshake. The caller (agent/
// dispatch.ts) decides about retries from how an attempt ended:
// - AgentUnreachable: nothing received the call (no agent registered, connection refused, or a
//   stale address answered for another host); the host may be restarting.
// - AttemptLost / AttemptTimedOut: the call may have run (the host died or hung mid-atom).
// - HostFailure: the host ran the atom and reported a typed failure.
import { Agent, request, type ClientRequest, type IncomingMessage } from 'node:http';
import type { AtomCall, AtomResult } from '../domain/atoms';
import type { AgentRegistry } from '../domain/toolstack';
import { bearer, type Token } from './auth';
import { agentLineSchema, ATOMS_PATH, refusalSchema } from './protocol';

export class AgentUnreachable extends Error {
  override name = 'AgentUnreachable';
}
export class AttemptLost extends Error {
  override name = 'AttemptLost';
}
export class AttemptTimedOut extends Error {
  override name = 'AttemptTimedOut';
}
export class HostFailure extends Error {
  override name = 'HostFailure';
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export interface AttemptOptions {
  /** One attempt (start-to-close). */
  timeoutMs: number;
  /** Long atoms: the longest silence between two heartbeat lines. */
  heartbeatMs?: number;
  signal?: AbortSignal;
}

const REFUSED = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EADDRNOTAVAIL']);

export class AgentClient {
  private readonly pool = new Agent({ keepAlive: true, maxSockets: 256 });
  private readonly urls = new Map<string, string>();

  constructor(
    private readonly registry: Pick<AgentRegistry, 'agentUrl'>,
    private readonly token?: Token,
  ) {}

  async attempt(call: AtomCall, o: AttemptOptions): Promise<AtomResult> {
    const url = this.urls.get(call.host) ?? this.registry.agentUrl(call.host);
    if (url === undefined) throw new AgentUnreachable(`no agent is registered for ${call.host}`);
    this.urls.set(call.host, url);
    try {
      return await this.send(url, call, o);
    } catch (err) {
      // Read the registry again next time: a restarted agent registers a new address.
      if (err instanceof AgentUnreachable || err instanceof AttemptLost) this.urls.delete(call.host);
      throw err;
    }
  }

  close(): void {
    this.pool.destroy();
  }

  private send(url: string, call: AtomCall, o: AttemptOptions): Promise<AtomResult> {
    return new Promise((resolve, reject) => {
      const headers = { 'content-type': 'application/json', ...bearer(this.token) };
      const req = request(`${url}${ATOMS_PATH}`, { method: 'POST', agent: this.pool, headers });
      const watch = watchdog(req, call, o, reject);
      req.on('error', (err: NodeJS.ErrnoException) => {
        watch.stop();
        const what = `${call.atom} on ${call.host} (${url}): ${err.code ?? err.message}`;
        reject(REFUSED.has(err.code ?? '') ? new AgentUnreachable(what) : new AttemptLost(what));
      });
      req.on('response', (res) => readResponse(res, call, watch, resolve, reject));
      req.end(JSON.stringify(call));
    });
  }
}

interface Watchdog {
  /** A sign of life from the host (a heartbeat line). */
  alive(): void;
  stop(): void;
}

/** Abandons the attempt (closing the connection cancels the atom on the host) when time is up. */
function watchdog(req: ClientRequest, call: AtomCall, o: AttemptOptions, reject: (e: Error) => void): Watchdog {
  const give = (err: Error) => {
    stop();
    reject(err);
    req.destroy();
  };
  const overall = setTimeout(
    () => give(new AttemptTimedOut(`${call.atom} on ${call.host}: no result within ${o.timeoutMs} ms`)),
    o.timeoutMs,
  );
  let silence: NodeJS.Timeout | undefined;
  const alive = () => {
    if (o.heartbeatMs === undefined) return;
    clearTimeout(silence);
    const ms = o.heartbeatMs;
    silence = setTimeout(
      () => give(new AttemptTimedOut(`${call.atom} on ${call.host}: no heartbeat for ${ms} ms`)),
      ms,
    );
  };
  const onAbort = () => give(new AttemptLost(`${call.atom} on ${call.host}: cancelled by the caller`));
  function stop() {
    clearTimeout(overall);
    clearTimeout(silence);
    o.signal?.removeEventListener('abort', onAbort);
  }
  if (o.signal?.aborted) onAbort();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  alive();
  return { alive, stop };
}

function readResponse(
  res: IncomingMessage,
  call: AtomCall,
  watch: Watchdog,
  resolve: (r: AtomResult) => void,
  reject: (e: Error) => void,
): void {
  let buffered = '';
  let settled = false;
  const settle = (fn: () => void) => {
    if (settled) return;
    settled = true;
    watch.stop();
    fn();
  };
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => {
    buffered += chunk;
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const text = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (res.statusCode !== 200) continue;
      const line = agentLineSchema.safeParse(safeJson(text));
      if (!line.success) return settle(() => reject(new AttemptLost(`${call.atom} on ${call.host}: garbled reply`)));
      if ('heartbeat' in line.data) watch.alive();
      else if ('result' in line.data) settle(() => resolve((line.data as { result: AtomResult }).result));
      else {
        const { type, message } = line.data.failure;
        settle(() => reject(new HostFailure(type, message)));
      }
    }
  });
  res.on('end', () => settle(() => reject(refusalOrLoss(res.statusCode ?? 0, buffered, call))));
  res.on('error', () => settle(() => reject(new AttemptLost(`${call.atom} on ${call.host}: connection lost`))));
}

/** A response that ended without a result line: the agent refused the call, or the host died. */
function refusalOrLoss(status: number, body: string, call: AtomCall): Error {
  const where = `${call.atom} on ${call.host}`;
  if (status === 200) return new AttemptLost(`${where}: the host closed the connection before the result`);
  const reason = refusalSchema.safeParse(safeJson(body));
  const why = reason.success ? reason.data.error : `HTTP ${status}`;
  if (status === 409) return new AgentUnreachable(`${where}: ${why}`);
  return new HostFailure(status === 401 ? 'PreconditionFailed' : 'BadRequest', `${where}: agent refused: ${why}`);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
