// One call to an agent, on the wire: the plan line is written at once, the go line when the
// caller says so; the agent's NDJSON stream is read line by line, with a watchdog on its
// heartbeats, until the closing line. Refusals and broken streams become the errors of
// agent/errors.ts.
import { request, type Agent, type IncomingMessage } from 'node:http';
import { bearer, type Token } from './auth';
import { AgentRefused, AgentUnreachable, AttemptLost } from './errors';
import {
  agentLineSchema,
  NDJSON,
  refusalSchema,
  STREAM_SILENCE_MS,
  type AgentLine,
  type End,
  type PlanRequest,
} from './protocol';

export interface OpenRun {
  go(): void;
  /** Drops a plan whose turn will not come (nothing of it runs). */
  cancel(): void;
  done: Promise<End>;
}

export interface Target {
  pool: Agent;
  url: string;
  host: string;
  token?: Token;
}

const REFUSED = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EADDRNOTAVAIL']);

export function failedRun(err: Error): OpenRun {
  const done = Promise.reject(err);
  done.catch(() => undefined);
  return { go: () => undefined, cancel: () => undefined, done };
}

export function openRun(t: Target, body: PlanRequest, onLine: (l: AgentLine) => void, signal?: AbortSignal): OpenRun {
  const req = request(t.url, {
    method: 'POST',
    agent: t.pool,
    headers: { 'content-type': NDJSON, ...bearer(t.token) },
  });
  let finish: (fn: () => void) => void = () => undefined;
  const done = new Promise<End>((resolve, reject) => {
    let settled = false;
    let silence: NodeJS.Timeout | undefined;
    finish = (fn) => {
      if (settled) return;
      settled = true;
      clearTimeout(silence);
      signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const abandon = (why: string) => {
      finish(() => reject(new AttemptLost(`${t.host}: ${why}`)));
      req.destroy();
    };
    const alive = () => {
      clearTimeout(silence);
      silence = setTimeout(() => abandon(`agent silent for ${STREAM_SILENCE_MS} ms`), STREAM_SILENCE_MS);
    };
    const onAbort = () => abandon('cancelled by the caller');
    signal?.addEventListener('abort', onAbort, { once: true });
    alive();
    req.on('error', (err: NodeJS.ErrnoException) => {
      const what = `${t.host} (${t.url}): ${err.code ?? err.message}`;
      finish(() => reject(REFUSED.has(err.code ?? '') ? new AgentUnreachable(what) : new AttemptLost(what)));
    });
    req.on('response', (res) => {
      if (res.statusCode !== 200) return readRefusal(res, t.host, (e) => finish(() => reject(e)));
      const each = (l: AgentLine) => {
        alive();
        if ('end' in l) finish(() => resolve(l.end));
        else onLine(l);
      };
      readLines(res, each, (why) => finish(() => reject(new AttemptLost(`${t.host}: ${why}`))));
    });
    if (signal?.aborted) onAbort();
  });
  done.catch(() => undefined);
  req.write(`${JSON.stringify(body)}\n`);
  return {
    go: () => void req.end(`${JSON.stringify({ go: true })}\n`),
    cancel: () => {
      finish(() => undefined);
      req.destroy();
    },
    done,
  };
}

function readLines(res: IncomingMessage, onLine: (l: AgentLine) => void, onBroken: (why: string) => void): void {
  let buffered = '';
  let ended = false;
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => {
    buffered += chunk;
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const line = agentLineSchema.safeParse(safeJson(buffered.slice(0, nl)));
      buffered = buffered.slice(nl + 1);
      if (!line.success) return onBroken('garbled line from the agent');
      if ('end' in line.data) ended = true;
      onLine(line.data);
    }
  });
  // Without its closing line the host died or dropped the call in the middle.
  const broken = () => ended || onBroken('the connection closed before the plan ended');
  res.on('end', broken);
  res.on('close', broken);
  res.on('error', () => onBroken('connection lost'));
}

/** A refusal (4xx): a stale address answering for another host is as good as no agent at all. */
function readRefusal(res: IncomingMessage, host: string, fail: (e: Error) => void): void {
  let body = '';
  res.setEncoding('utf8');
  res.on('data', (c: string) => (body += c));
  res.on('end', () => {
    const reason = refusalSchema.safeParse(safeJson(body));
    const why = `${host}'s agent refused the call: ${reason.success ? reason.data.error : `HTTP ${res.statusCode}`}`;
    fail(res.statusCode === 409 ? new AgentUnreachable(why) : new AgentRefused(res.statusCode ?? 0, why));
  });
}

export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
