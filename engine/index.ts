// The production topology on this machine: a private PostgreSQL cluster, Temporal's databases
// and schema (its SQL tool), the Temporal server on them, the `default` namespace and liveshift's
// search attributes, and the Web UI when it can be had. `liveshift up --engine postgres` and the
// PostgreSQL tests start it; a second start on the same folder reuses the cluster and schema.
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureTemporalCli } from '../cli/temporal-server';
import { ensureTemporalServer } from '../cli/temporal-server-build';
import { ensureNamespace } from './namespace';
import { startPostgres, type PostgresCluster } from './postgres';
import { ensureSchema } from './schema';
import { serverPorts } from './ports';
import { TemporalServerProcess } from './temporal';
import { startWebUi, type WebUi } from './web-ui';

export { EngineError } from './run';

export interface PostgresEngineOptions {
  /** Everything lives here: `cluster/` (PostgreSQL), `temporal/` (config, log), `ui/`. */
  dir: string;
  /** The frontend's port (any free one when absent). */
  port?: number;
  /** The Web UI's port; no UI when absent. */
  uiPort?: number;
  /** A throw-away cluster (tests): initdb skips its fsyncs. */
  scratch?: boolean;
  log?: (line: string) => void;
}

export interface PostgresEngine {
  address: string;
  uiUrl: string | null;
  /** The Temporal server's process (it can be killed and started again: `server.kill()`, `server.start()`). */
  server: TemporalServerProcess;
  postgres: PostgresCluster;
  /** How long each step of this start took, in ms. */
  timings: Record<'binaries' | 'postgres' | 'schema' | 'server' | 'namespace' | 'ui', number>;
  pid: number | undefined;
  /** The UI, then the server, then PostgreSQL. */
  stop(): Promise<void>;
}

export async function startPostgresEngine(o: PostgresEngineOptions): Promise<PostgresEngine> {
  const log = o.log ?? (() => undefined);
  const started: { stop(): Promise<void> }[] = [];
  const timings = { binaries: 0, postgres: 0, schema: 0, server: 0, namespace: 0, ui: 0 };
  const timed = async <T>(step: keyof typeof timings, body: () => Promise<T> | T): Promise<T> => {
    const t0 = performance.now();
    const value = await body();
    timings[step] = Math.round(performance.now() - t0);
    return value;
  };
  // The cluster's owner (not root) passes through this folder to its own: traverse, nothing more.
  mkdirSync(o.dir, { recursive: true });
  chmodSync(o.dir, 0o711);
  try {
    const [bin, cli] = await timed('binaries', () => [ensureTemporalServer(log), ensureTemporalCli(log)] as const);
    const pg = await timed('postgres', () => startPostgres({ dir: join(o.dir, 'cluster'), log, ...scratch(o) }));
    started.push(pg);
    await timed('schema', () => ensureSchema({ ...bin, schemaRoot: bin.postgresSchema, ...pg }));
    const home = join(o.dir, 'temporal');
    mkdirSync(home, { recursive: true, mode: 0o700 });
    const ports = await serverPorts(join(home, 'ports.json'), o.port);
    const server = new TemporalServerProcess(bin.server, home, { postgres: pg, ports }, log);
    await timed('server', () => server.start());
    started.push(server);
    await timed('namespace', () => ensureNamespace(cli, server.address));
    const uiPort = o.uiPort;
    const ui: WebUi | null = uiPort
      ? await timed('ui', () => startWebUi({ dir: join(o.dir, 'ui'), port: uiPort, address: server.address, log }))
      : null;
    if (ui) started.push(ui);
    const total = Object.values(timings).reduce((a, b) => a + b, 0);
    log(`liveshift: Temporal on PostgreSQL ready in ${(total / 1000).toFixed(1)} s (${describe(timings)})`);
    const stop = () => stopAll(started);
    return {
      address: server.address,
      uiUrl: ui?.url ?? null,
      server,
      postgres: pg,
      timings,
      get pid() {
        return server.pid;
      },
      stop,
    };
  } catch (err) {
    await stopAll(started);
    throw err;
  }
}

const scratch = (o: PostgresEngineOptions) => (o.scratch ? { scratch: true } : {});

const describe = (t: Record<string, number>): string =>
  Object.entries(t)
    .map(([k, ms]) => `${k} ${ms} ms`)
    .join(', ');

/** In reverse order of start: nothing is left talking to a database that is gone. */
async function stopAll(started: { stop(): Promise<void> }[]): Promise<void> {
  for (const s of [...started].reverse()) await s.stop();
}
