// Exit codes (docs/design.md §7): 0 ok, 1 operation failed or violations found, 2 bad input.
import { FailureType, LiveshiftError } from '../domain/errors';

// 130 (128 + SIGINT, the shell's convention): Ctrl-C stopped `--watch`; the operation goes on.
export const EXIT = { ok: 0, failed: 1, badInput: 2, interrupted: 130 } as const;

export class UsageError extends LiveshiftError {
  constructor(message: string) {
    super(FailureType.BadRequest, message);
  }
}

/** Runs a command body; bad input becomes one line on stderr and exit code 2. */
export function command<A extends unknown[]>(
  body: (...args: A) => Promise<number | void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      process.exitCode = (await body(...args)) ?? EXIT.ok;
    } catch (err) {
      const bad = err instanceof LiveshiftError && err.type === FailureType.BadRequest;
      const message = (err instanceof Error ? err.message : String(err)).split('\n')[0];
      console.error(`liveshift: ${message}`);
      process.exitCode = bad ? EXIT.badInput : EXIT.failed;
    }
  };
}
