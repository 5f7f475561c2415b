// `npm run temporal-server:setup` (part of pretest): build the Temporal server, its SQL tool and the
// Web UI server once into the per-user cache, for the PostgreSQL topology and its tests (about
// 7 + 2 minutes of go builds on two cores the first time; returns at once afterwards).
import { ensureTemporalServer, ensureTemporalUi } from '../cli/temporal-server-build';

try {
  const built = ensureTemporalServer();
  console.error(`liveshift: Temporal server ${built.server}\nliveshift:   SQL tool ${built.sqlTool}`);
  console.error(`liveshift:   PostgreSQL schema ${built.postgresSchema}`);
  console.error(`liveshift:   Web UI server ${ensureTemporalUi()}`);
} catch (err) {
  console.error(`liveshift: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
