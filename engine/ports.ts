// Ports for the Temporal server's roles. Its PostgreSQL schema keeps a member's port in a
// smallint (cluster_membership.rpc_port), so ports must stay below 32768, which the kernel's
// ephemeral range (what binding port 0 hands out) does not: candidates are drawn from below it
// and tried.
import { createServer } from 'node:net';
import { EngineError } from './run';

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
