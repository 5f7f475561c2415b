// Running the engine's tools (initdb, pg_ctl, the SQL tool, the Temporal CLI): an argument vector,
// never a shell string; output captured so a failure says what the tool said, in one line.
import { execFile } from 'node:child_process';

/** The PostgreSQL topology could not be set up or started; the message names the step and the cause. */
export class EngineError extends Error {
  override readonly name = 'EngineError';
}

export interface RunOptions {
  /** What the step is, for the error: `initdb`, `schema of temporal_visibility`. */
  what: string;
  env?: NodeJS.ProcessEnv;
  /** Run as this user (`runuser`): PostgreSQL refuses to run as root. */
  asUser?: string | undefined;
  timeoutMs?: number;
}

const tail = (text: string, lines = 4): string => text.trim().split('\n').slice(-lines).join(' | ');

export function run(cmd: string, args: string[], o: RunOptions): Promise<string> {
  const [file, argv] = o.asUser ? ['runuser', ['-u', o.asUser, '--', cmd, ...args]] : [cmd, args];
  return new Promise((resolve, reject) => {
    execFile(
      file,
      argv,
      { env: o.env ?? process.env, timeout: o.timeoutMs ?? 120_000, maxBuffer: 16 << 20, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const said = tail(`${stdout}\n${stderr}`) || err.message;
        reject(new EngineError(`${o.what} failed (${cmd}): ${said}`));
      },
    );
  });
}
