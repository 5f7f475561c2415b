// The agent's side of one plan request: read the plan line and check it, hold it until the go
// line (or a peer's go for its run id), run it here, stream what happens, and on success hand the
// turn straight to the next host's agent when the caller asked for it.
import { Agent, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { MigrationControl, Toolstack } from '../domain/toolstack';
import { zodMessage } from '../domain/zod-message';
import { bearer, type Token } from './auth';
import {
  goLineSchema,
  goPath,
  MAX_BODY_BYTES,
  NDJSON,
  planRequestSchema,
  STREAM_HEARTBEAT_MS,
  type AgentLine,
  type PlanRequest,
} from './protocol';
import { runHere } from './run-here';
import { safeJson } from './stream';

export interface HereContext {
  toolstack: Toolstack;
  control: MigrationControl;
  token?: Token;
  /** Runs waiting for their go, by run id: a peer agent may give it. */
  held: Map<string, () => void>;
}

/** The request body's first line (the plan; undefined if too large or missing) and whether a go line follows. */
export function requestLines(req: IncomingMessage): { first: Promise<string | undefined>; go: Promise<boolean> } {
  let first: (text: string | undefined) => void = () => undefined;
  let go: (yes: boolean) => void = () => undefined;
  const lines = {
    first: new Promise<string | undefined>((r) => (first = r)),
    go: new Promise<boolean>((r) => (go = r)),
  };
  let buffered = '';
  let seen = 0;
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => {
    buffered += chunk;
    if (seen === 0 && buffered.length > MAX_BODY_BYTES) return first(undefined);
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const text = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (seen++ === 0) first(text);
      else go(goLineSchema.safeParse(safeJson(text)).success);
    }
  });
  const over = () => {
    first(undefined);
    go(false);
  };
  req.on('end', over);
  req.on('close', over);
  return lines;
}

export function parsePlanRequest(body: string | undefined): PlanRequest | string {
  if (body === undefined) return `a request body of at most ${MAX_BODY_BYTES} bytes`;
  const parsed = planRequestSchema.safeParse(safeJson(body));
  return parsed.success ? parsed.data : `not a plan request: ${zodMessage(parsed.error)}`;
}

/** Checked and held: the plan runs on the go line (the caller's, or a peer's), and not at all without it. */
export async function streamPlan(c: HereContext, request: PlanRequest, res: ServerResponse, go: Promise<boolean>) {
  const gone = new AbortController();
  // The caller gave up (its process died, it timed out): what still runs must not take effect later.
  res.on('close', () => gone.abort());
  res.writeHead(200, { 'content-type': NDJSON });
  const emit = emitter(res);
  const beat = setInterval(() => emit({ heartbeat: true }), STREAM_HEARTBEAT_MS);
  const fromPeer = new Promise<boolean>((resolve) => request.runId && c.held.set(request.runId, () => resolve(true)));
  try {
    if (!(await Promise.race([go, fromPeer]))) return;
    if (request.runId) c.held.delete(request.runId);
    const succeeded = await runHere(request, c, emit, gone.signal);
    if (succeeded && request.handoff) handOff(request.handoff, c.token);
  } finally {
    if (request.runId) c.held.delete(request.runId);
    clearInterval(beat);
    res.end();
  }
}

/** Lines written in one tick leave in one write: no system call between two atoms. */
function emitter(res: ServerResponse): (l: AgentLine) => void {
  let corked = false;
  return (l) => {
    if (!res.writable) return;
    if (!corked) {
      corked = true;
      res.cork();
      process.nextTick(() => {
        corked = false;
        res.uncork();
      });
    }
    res.write(`${JSON.stringify(l)}\n`);
  };
}

const peers = new Agent({ keepAlive: true, noDelay: true });

/** Best effort: the caller's own go line follows anyway. */
function handOff(to: NonNullable<PlanRequest['handoff']>, token?: Token): void {
  const req = request(`${to.url}${goPath(to.runId)}`, { method: 'POST', agent: peers, headers: bearer(token) });
  req.on('response', (res) => res.resume());
  req.on('error', () => undefined);
  req.setTimeout(1_000, () => req.destroy());
  req.end();
}
