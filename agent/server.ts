// The host agent: a small HTTP endpoint in each host process that runs plans of that host's
// atoms on its Toolstack (agent/run-here.ts), streaming what happens (agent/protocol.ts). It binds
// loopback by default; bound elsewhere it requires a bearer token (workers/config.ts refuses to
// start otherwise). It is the direct path into a host: the same atoms, idempotency and events as
// the host's Temporal activities, without a server round trip.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { atomsOf } from '../domain/atoms';
import type { MigrationControl, Toolstack } from '../domain/toolstack';
import { bearerMatches, type Token } from './auth';

import { parsePlanRequest, requestLines, streamPlan, type HereContext } from './plan-stream';
import { HEALTH_PATH, PLANS_PATH, RUNS_PATH } from './protocol';

export interface AgentOptions {
  host: string;
  toolstack: Toolstack;
  control: MigrationControl;
  bind: string;
  port: number;
  token?: Token;
}

export interface RunningAgent {
  url: string;
  close(): Promise<void>;
}

export function startAgent(o: AgentOptions): Promise<RunningAgent> {
  const context: HereContext = {
    toolstack: o.toolstack,
    control: o.control,
    held: new Map(),
    ...(o.token ? { token: o.token } : {}),
  };
  const server = createServer((req, res) => void handle(o, context, req, res));
  // Callers keep connections open between atoms: no handshake inside the downtime window.
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.bind, () => {
      const { address, port } = server.address() as AddressInfo;
      const host = address.includes(':') ? `[${address}]` : address;
      resolve({ url: `http://${host}:${port}`, close: () => closeServer(server) });
    });
  });
}

async function handle(o: AgentOptions, c: HereContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (o.token && !bearerMatches(req.headers.authorization, o.token)) return refuse(res, 401, 'missing or wrong token');
  if (req.method === 'GET' && req.url === HEALTH_PATH) return reply(res, 200, { host: o.host, pid: process.pid });
  if (req.method === 'POST' && req.url?.startsWith(RUNS_PATH)) return goHeld(c, req.url, res);
  if (req.method !== 'POST' || req.url !== PLANS_PATH) return refuse(res, 404, `no ${req.method} ${req.url}`);
  const body = requestLines(req);
  const parsed = parsePlanRequest(await body.first);
  if (typeof parsed === 'string') return refuse(res, 400, parsed);
  // A stale registry entry can point a caller at another host's agent: never run its atoms here.
  const foreign = atomsOf(parsed.plan).find((a) => a.host !== o.host);
  if (foreign) return refuse(res, 409, `this is the agent of ${o.host}, not of ${foreign.host}`);
  await streamPlan(c, parsed, res, body.go);
}

/** A peer's go for a held run (the switchover pair's handoff). */
function goHeld(c: HereContext, url: string, res: ServerResponse): void {
  const runId = decodeURIComponent(url.slice(RUNS_PATH.length).replace(/\/go$/, ''));
  const go = c.held.get(runId);
  if (!go) return refuse(res, 404, `no run ${runId} is waiting here`);
  go();
  res.writeHead(204).end();
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const refuse = (res: ServerResponse, status: number, error: string) => reply(res, status, { error });

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
