// The host agent: a small HTTP endpoint in each host process that runs one atom per request on
// that host's Toolstack, streaming heartbeats and then the result (agent/protocol.ts). It binds
// loopback by default; bound elsewhere it requires a bearer token (workers/config.ts refuses to
// start otherwise). It is the direct path into a host: the same atoms, idempotency and events as
// the host's Temporal activities, without a server round trip.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { atomCallSchema, type AtomCall } from '../domain/atoms';
import { FailureType, LiveshiftError } from '../domain/errors';
import type { Toolstack } from '../domain/toolstack';
import { zodMessage } from '../domain/zod-message';
import { bearerMatches, type Token } from './auth';

import { ATOMS_PATH, HEALTH_PATH, MAX_BODY_BYTES, NDJSON, type AgentLine } from './protocol';

export interface AgentOptions {
  host: string;
  toolstack: Toolstack;
  bind: string;
  port: number;
  token?: Token;
}

export interface RunningAgent {
  url: string;
  close(): Promise<void>;
}

/** Heartbeat lines are throttled to this: enough to tell a slow atom from a hung one. */
const HEARTBEAT_EVERY_MS = 200;

export function startAgent(o: AgentOptions): Promise<RunningAgent> {
  const server = createServer((req, res) => void handle(o, req, res));
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

async function handle(o: AgentOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (o.token && !bearerMatches(req.headers.authorization, o.token)) return refuse(res, 401, 'missing or wrong token');
  if (req.method === 'GET' && req.url === HEALTH_PATH) return reply(res, 200, { host: o.host, pid: process.pid });
  if (req.method !== 'POST' || req.url !== ATOMS_PATH) return refuse(res, 404, `no ${req.method} ${req.url}`);
  const call = parseCall(await readBody(req).catch(() => undefined));
  if (typeof call === 'string') return refuse(res, 400, call);
  // A stale registry entry can point a caller at another host's agent: never run its atom here.
  if (call.host !== o.host) return refuse(res, 409, `this is the agent of ${o.host}, not of ${call.host}`);
  await runAtom(o.toolstack, call, res);
}

async function runAtom(toolstack: Toolstack, call: AtomCall, res: ServerResponse): Promise<void> {
  const gone = new AbortController();
  // The caller gave up (timeout, cancellation, its process died): the atom must not take effect later.
  res.on('close', () => gone.abort());
  res.writeHead(200, { 'content-type': NDJSON });
  let lastBeat = 0;
  const heartbeat = () => {
    if (Date.now() - lastBeat < HEARTBEAT_EVERY_MS) return;
    lastBeat = Date.now();
    line(res, { heartbeat: true });
  };
  try {
    line(res, { result: await toolstack.run(call, { signal: gone.signal, heartbeat }) });
  } catch (err) {
    const type = err instanceof LiveshiftError ? err.type : 'HostError';
    line(res, { failure: { type, message: err instanceof Error ? err.message : String(err) } });
  }
  res.end();
}

function parseCall(body: string | undefined): AtomCall | string {
  if (body === undefined) return `a request body of at most ${MAX_BODY_BYTES} bytes`;
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return 'the body is not JSON';
  }
  const parsed = atomCallSchema.safeParse(json);
  return parsed.success ? parsed.data : `not an atom call: ${zodMessage(parsed.error)}`;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) reject(new LiveshiftError(FailureType.BadRequest, 'body too large'));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const line = (res: ServerResponse, l: AgentLine) => res.write(`${JSON.stringify(l)}\n`);

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
