// Ports for the Temporal server's roles. Its PostgreSQL schema keeps a member's port in a
// smallint (cluster_membership.rpc_port), so ports must stay below 32768, which the kernel's
// ephemeral range (what binding port 0 hands out) does not: candidates are drawn from below it
// and tried. A restart reuses the ports of the last start (see serverPorts).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { z } from 'zod';
import { EngineError } from './run';
import { SERVER_ROLES, type ServerPorts } from './server-config';

const LOW = 20_000;
const HIGH = 32_767;
const ATTEMPTS = 100;

const free = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });

/** A port free right now below 32768, not in `taken`. */
export async function lowFreePort(taken: ReadonlySet<number> = new Set()): Promise<number> {
  for (let i = 0; i < ATTEMPTS; i++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW + 1));
    if (!taken.has(port) && (await free(port))) return port;
  }
  throw new EngineError(`no free port between ${LOW} and ${HIGH} after ${ATTEMPTS} tries`);
}

/** Refuses a port something else listens on: a server that cannot bind must not pass for healthy. */
export async function assertPortFree(port: number, what: string, flag: string): Promise<void> {
  if (!(await free(port))) throw new EngineError(`port ${port} for ${what} is in use: choose another with ${flag}`);
}

const portsSchema = z.object({
  grpc: z.record(z.enum(SERVER_ROLES), z.number().int()),
  membership: z.record(z.enum(SERVER_ROLES), z.number().int()),
  frontendHttp: z.number().int(),
});

const allPorts = (p: ServerPorts): number[] => [
  ...Object.values(p.grpc),
  ...Object.values(p.membership),
  p.frontendHttp,
];

/** The ports of the last start in `file`, if they can serve again (all free; the frontend as asked). */
async function previousPorts(file: string, frontend: number | undefined): Promise<ServerPorts | undefined> {
  if (!existsSync(file)) return undefined;
  const parsed = portsSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) return undefined;
  const p = parsed.data as ServerPorts;
  if (frontend !== undefined && p.grpc.frontend !== frontend) return undefined;
  for (const port of allPorts(p)) if (!(await free(port))) return undefined;
  return p;
}

/**
 * The server's ports: those of its last start when they are all free again, else new ones, kept in
 * `file`. The database remembers each member's address for a while after it stops; a restart on
 * the same addresses joins its own ring at once, where new ones would wait on members long gone
 * (and take seconds longer to start and to stop).
 */
export async function serverPorts(file: string, frontend?: number): Promise<ServerPorts> {
  const previous = await previousPorts(file, frontend);
  if (previous) return previous;
  const taken = new Set<number>(frontend ? [frontend] : []);
  const next = async (): Promise<number> => {
    const port = await lowFreePort(taken);
    taken.add(port);
    return port;
  };
  const roles = async (first?: number) => ({
    frontend: first ?? (await next()),
    history: await next(),
    matching: await next(),
    worker: await next(),
  });
  const ports = { grpc: await roles(frontend), membership: await roles(), frontendHttp: await next() };
  writeFileSync(file, `${JSON.stringify(ports)}\n`);
  return ports;
}
