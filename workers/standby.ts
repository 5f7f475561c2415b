// The child's half of the supervisor's hot standby (workers/supervisor.ts): a process started as a
// standby has loaded what it needs and waits for the supervisor's activate line on its stdin before
// it serves anything. For every supervised process, stdin closing means the supervisor is gone:
// the process goes too, rather than linger unsupervised.
import { ACTIVATE_LINE, STANDBY_ENV, STANDING_BY_LINE } from './supervisor';

export function awaitActivation(): Promise<void> {
  process.stdin.setEncoding('utf8');
  process.stdin.on('end', () => process.exit(0));
  if (!process.env[STANDBY_ENV]) {
    process.stdin.resume();
    process.stdin.unref();
    return Promise.resolve();
  }
  console.log(STANDING_BY_LINE);
  return new Promise((resolve) => {
    let buffered = '';
    process.stdin.on('data', (chunk: string) => {
      buffered += chunk;
      if (!buffered.includes(`${ACTIVATE_LINE}\n`)) return;
      // Active now, the process lives by its own work: watching stdin must not keep it alive.
      process.stdin.unref();
      resolve();
    });
  });
}
