// `npm test`'s pretest step: make sure a Temporal CLI is at hand (PATH, TEMPORAL_CLI, or the
// per-user cache), building the pinned version once if not, before any test starts a server.
import { ensureTemporalCli } from '../cli/temporal-server';

try {
  const cli = ensureTemporalCli();
  console.error(`liveshift: Temporal CLI ${cli}`);
} catch (err) {
  console.error(`liveshift: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
