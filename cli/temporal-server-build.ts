// The Temporal server and its SQL tool, for the PostgreSQL topology (`liveshift up --engine
// postgres`): built once from the server module at the version the pinned CLI embeds, sharing the
// CLI's Go module cache; the PostgreSQL schema ships in that module.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { goInstallOnce, type GoTool } from './go-install';

export const TEMPORAL_SERVER_VERSION = 'v1.29.1';
const SERVER_MODULE = 'go.temporal.io/server';
const cacheName = `temporal-server-${TEMPORAL_SERVER_VERSION}`;

export const SERVER_TOOL: GoTool = {
  title: 'the Temporal server',
  module: `${SERVER_MODULE}/cmd/server`,
  version: TEMPORAL_SERVER_VERSION,
  binary: 'server',
  cacheName,
};

export const SQL_TOOL: GoTool = {
  title: "the Temporal server's SQL tool",
  module: `${SERVER_MODULE}/cmd/tools/sql`,
  version: TEMPORAL_SERVER_VERSION,
  binary: 'sql',
  cacheName,
};

export interface TemporalServerBinaries {
  server: string;
  sqlTool: string;
  /** The module's `schema/postgresql/v12` folder (temporal and visibility schemas). */
  postgresSchema: string;
}

/** Builds what is missing (about 4 + 3 minutes on two cores the first time), then returns at once. */
export function ensureTemporalServer(log: (line: string) => void = console.error): TemporalServerBinaries {
  const server = goInstallOnce(SERVER_TOOL, log);
  const sqlTool = goInstallOnce(SQL_TOOL, log);
  return { server, sqlTool, postgresSchema: postgresSchemaDir() };
}

function postgresSchemaDir(): string {
  const modCache = spawnSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8' }).stdout.trim();
  const dir = join(modCache, `${SERVER_MODULE}@${TEMPORAL_SERVER_VERSION}`, 'schema', 'postgresql', 'v12');
  if (!existsSync(dir)) throw new Error(`the Temporal server module's PostgreSQL schema is missing at ${dir}`);
  return dir;
}

/** The Web UI server the pinned CLI embeds, as its own program (its assets are compiled in). */
export const TEMPORAL_UI_VERSION = 'v2.42.1';
export const UI_TOOL: GoTool = {
  title: 'the Temporal Web UI server',
  module: 'github.com/temporalio/ui-server/v2/cmd/server',
  version: TEMPORAL_UI_VERSION,
  binary: 'server',
  cacheName: `temporal-ui-server-${TEMPORAL_UI_VERSION}`,
};

/** The Web UI server, built once (about a minute) when the cache has none. */
export const ensureTemporalUi = (log: (line: string) => void = console.error): string => goInstallOnce(UI_TOOL, log);
