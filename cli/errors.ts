// Exit codes (docs/design.md §7): 0 ok, 1 operation failed or violations found, 2 bad input.
import { ServiceError } from '@temporalio/client';
import { FailureType, LiveshiftError } from '../domain/errors';

// 130 (128 + SIGINT, the shell's convention): Ctrl-C stopped `--watch`; the operation goes on.
export const EXIT = { ok: 0, failed: 1, badInput: 2, interrupted: 130 } as const;

export class UsageError extends LiveshiftError {
  constructor(message: string) {
    super(FailureType.BadRequest, message);
  }
}

/**
 * The first line of an error's message. The client's ServiceError says only what it was doing
 * ("Failed to list workflows"): its cause says why (e.g. "7 PERMISSION_DENIED: Request unauthorized.").
 */
function oneLineMessage(err: unknown): string {
  const first = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
  if (err instanceof ServiceError && err.cause !== undefined) return `${first(err)}: ${first(err.cause)}`;
  return first(err);
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
      console.error(`liveshift: ${oneLineMessage(err)}`);
      process.exitCode = bad ? EXIT.badInput : EXIT.failed;
    }
  };
}
