// `npm run compose:setup` (part of pretest): Debian's docker-compose, to validate docker-compose.yml
// without a Docker engine (test/unit/compose.test.ts). Returns at once when it is installed.
import { ensureDockerCompose } from '../engine/docker-compose';

try {
  const { path, installed } = ensureDockerCompose();
  console.error(`liveshift: docker-compose ${path}${installed ? ', just installed' : ''}`);
} catch (err) {
  console.error(`liveshift: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
