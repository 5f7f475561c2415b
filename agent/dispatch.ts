// Direct dispatch of one atom with the same bounds a task-queue dispatch has (domain/atom-traits.ts,
// domain/phase-policy.ts), applied here instead of by the Temporal server:
// - a host nobody answers for is waited for up to the phase's host wait (a crashed host process
//   is back well within it), polling every few milliseconds, so the atom runs the moment it is;
// - an attempt is bounded by start-to-close and, for long atoms, by the heartbeat;
// - failed attempts are retried with the phase's backoff and attempt limit, never past the
//   atom's schedule-to-close; typed failures that no retry can cure are not retried.
// Timers here run in the orchestrator process, to the millisecond.
import { setTimeout as delay } from 'node:timers/promises';
import { ATOM_TRAITS } from '../domain/atom-traits';
import type { AtomCall, AtomResult } from '../domain/atoms';
import { FailureType } from '../domain/errors';
import { backoffMs, PHASE_POLICY } from '../domain/phase-policy';
import { AgentUnreachable, HostFailure, type AgentClient } from './client';

/** How often a host that does not answer is tried again. */
export const UNREACHABLE_POLL_MS = 20;

export interface Dispatched {
  result: AtomResult;
  attempts: number;
}

/** The atom's final failure: its type (a FailureType, or how the last attempt was lost) and the attempts made. */
export class DispatchFailed extends Error {
  override name = 'DispatchFailed';
  constructor(
    readonly type: string,
    message: string,
    readonly attempts: number,
  ) {
    super(message);
  }
}

export class DirectDispatcher {
  constructor(private readonly client: AgentClient) {}

  async run(call: AtomCall, timeScale: number, signal?: AbortSignal): Promise<Dispatched> {
    const { timeouts } = ATOM_TRAITS[call.atom];
    const { hostWaitMs, retry } = PHASE_POLICY[call.phase];
    const stretch = Math.max(1, timeScale);
    const giveUpAt = Date.now() + timeouts.scheduleToCloseMs * stretch;
    const attempt = { timeoutMs: timeouts.startToCloseMs * stretch, heartbeatMs: timeouts.heartbeatMs, signal };
    let attempts = 0;
    let unreachableSince: number | undefined;
    for (;;) {
      try {
        attempts++;
        return { result: await this.client.attempt(call, attempt), attempts };
      } catch (err) {
        if (signal?.aborted) throw failed(err, attempts);
        if (err instanceof AgentUnreachable) {
          // Not an attempt: nothing received it.
          attempts--;
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
        if (!retryable(err) || attempts >= limit || Date.now() + pause >= giveUpAt) throw failed(err, attempts);
        await delay(pause);
      }
    }
  }
}

const NO_RETRY: readonly string[] = PHASE_POLICY.downtime.retry.nonRetryable;
const retryable = (err: unknown) => !(err instanceof HostFailure && NO_RETRY.includes(err.type));

function unreachable(call: AtomCall, waitedMs: number, cause: Error, attempts: number): DispatchFailed {
  const message = `${call.host} did not answer ${call.atom} for ${Math.round(waitedMs)} ms (${cause.message})`;
  return new DispatchFailed(FailureType.HostUnreachable, message, attempts);
}

function failed(err: unknown, attempts: number): DispatchFailed {
  const type = err instanceof HostFailure ? err.type : err instanceof Error ? err.name : 'Error';
  const message = err instanceof Error ? err.message : String(err);
  return new DispatchFailed(type, attempts > 1 ? `${message} (after ${attempts} attempts)` : message, attempts);
}
