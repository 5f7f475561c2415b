// Typed errors cross the activity boundary as ApplicationFailures whose `type` is a FailureType.
import { ApplicationFailure } from '@temporalio/common';
import { LiveshiftError, NON_RETRYABLE_FAILURES } from '../domain/errors';

export function toFailure(err: unknown): unknown {
  if (!(err instanceof LiveshiftError)) return err;
  return ApplicationFailure.create({
    type: err.type,
    message: err.message,
    nonRetryable: NON_RETRYABLE_FAILURES.includes(err.type),
  });
}

export async function asFailures<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw toFailure(err);
  }
}
