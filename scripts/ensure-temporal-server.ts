// `npm run temporal-server:setup` (part of pretest): what the PostgreSQL topology and its tests
// need — the Temporal server, its SQL tool and the Web UI server, built once into the per-user
// cache (about 7 + 2 minutes of go builds on two cores the first time), and PostgreSQL (Debian's,
// installed with apt when missing, as root). Returns at once when everything is there.
import { ensureTemporalServer, ensureTemporalUi } from '../cli/temporal-server-build';
import { ensurePostgres } from '../engine/postgres-binaries';

try {
  const built = ensureTemporalServer();
  console.error(`liveshift: Temporal server ${built.server}\nliveshift:   SQL tool ${built.sqlTool}`);
  console.error(`liveshift:   PostgreSQL schema ${built.postgresSchema}`);
  console.error(`liveshift:   Web UI server ${ensureTemporalUi()}`);
  const pg = ensurePostgres(console.error);
  console.error(`liveshift: PostgreSQL ${pg.version} (${pg.initdb}, ${pg.pgCtl})`);
} catch (err) {
  console.error(`liveshift: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
