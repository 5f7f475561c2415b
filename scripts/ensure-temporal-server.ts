// `npm run temporal-server:setup`: build the Temporal server and its SQL tool once into the
// per-user cache (the PostgreSQL topology's set-up; returns at once when both are there).
import { ensureTemporalServer } from '../cli/temporal-server-build';

try {
  const built = ensureTemporalServer();
  console.error(`liveshift: Temporal server ${built.server}\nliveshift:   SQL tool ${built.sqlTool}`);
  console.error(`liveshift:   PostgreSQL schema ${built.postgresSchema}`);
} catch (err) {
  console.error(`liveshift: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
