// One atom with the bounds a task-queue dispatch gets from the Temporal server (domain/atom-traits.ts,
// domain/phase-policy.ts), applied by liveshift itself on the direct path:
// - an attempt is bounded by start-to-close and, for long atoms, by the heartbeat;
// - failed attempts are retried with the phase's backoff and attempt limit, never past the
//   atom's schedule-to-close; typed failures that no retry can cure are not retried;
// - a host nobody answers for is waited for up to the phase's host wait, polling every few
//   milliseconds, so the atom runs the moment a restarted host is back.
// Its timers are in-process, to the millisecond.
import { setTimeout as delay } from 'node:timers/promises';
import { ATOM_TRAITS } from '../domain/atom-traits';
import type { AtomCall, AtomResult } from '../domain/atoms';
import { FailureType } from '../domain/errors';
import { backoffMs, PHASE_POLICY } from '../domain/phase-policy';
import { AgentUnreachable, DispatchFailed, HostFailure } from './errors';

/** How often a host that does not answer is tried again. */
export const UNREACHABLE_POLL_MS = 20;

export interface AttemptOptions {
  /** One attempt (start-to-close). */
  timeoutMs: number;
  /** Long atoms: the longest silence between two heartbeats. */
  heartbeatMs?: number;
  signal?: AbortSignal;
}

export type Attempt = (call: AtomCall, o: AttemptOptions) => Promise<AtomResult>;

export interface Dispatched {
  result: AtomResult;
  attempts: number;
}

export async function runAttempts(
  call: AtomCall,
  timeScale: number,
  attempt: Attempt,
  signal?: AbortSignal,
): Promise<Dispatched> {
  const { timeouts } = ATOM_TRAITS[call.atom];
  const { hostWaitMs, retry } = PHASE_POLICY[call.phase];
  const stretch = Math.max(1, timeScale);
  const giveUpAt = Date.now() + timeouts.scheduleToCloseMs * stretch;
  const options = { timeoutMs: timeouts.startToCloseMs * stretch, heartbeatMs: timeouts.heartbeatMs, signal };
  let attempts = 0;
  let unreachableSince: number | undefined;
  for (;;) {
    try {
      attempts++;
      return { result: await attempt(call, options), attempts };
    } catch (err) {
      if (signal?.aborted) throw failed(err, attempts);
      if (err instanceof AgentUnreachable) {
        attempts--; // nothing received it
        unreachableSince ??= Date.now();
        const waited = Date.now() - unreachableSince;
        if (Date.now() >= giveUpAt || (hostWaitMs !== undefined && waited >= hostWaitMs * stretch))
          throw unreachable(call, waited, err, attempts);
        await delay(UNREACHABLE_POLL_MS);
        continue;
      }
      unreachableSince = undefined;
      const limit = retry.maximumAttempts ?? Number.POSITIVE_INFINITY;
      const pause = backoffMs(retry, attempts);
      if (!retryable(err, call) || attempts >= limit || Date.now() + pause >= giveUpAt) throw failed(err, attempts);
      await delay(pause);
    }
  }
}

const retryable = (err: unknown, call: AtomCall) =>
  !(err instanceof HostFailure && PHASE_POLICY[call.phase].retry.nonRetryable.some((t) => t === err.type));

export function unreachable(call: AtomCall, waitedMs: number, cause: Error, attempts: number): DispatchFailed {
  const message = `${call.host} did not answer ${call.atom} for ${Math.round(waitedMs)} ms (${cause.message})`;
  return new DispatchFailed(FailureType.HostUnreachable, message, attempts);
}

function failed(err: unknown, attempts: number): DispatchFailed {
  if (err instanceof DispatchFailed) return err;
  const type = err instanceof HostFailure ? err.type : err instanceof Error ? err.name : 'Error';
  const message = err instanceof Error ? err.message : String(err);
  return new DispatchFailed(type, attempts > 1 ? `${message} (after ${attempts} attempts)` : message, attempts);
}
