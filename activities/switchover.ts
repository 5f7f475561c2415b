// The switchover runner: one activity that runs a whole direct phase (the downtime window, a
// rollback's restore). The phase is handed host by host to the hosts' agents (agent/delegate.ts),
// which run their part with the plan language's own interpreter: no server round trip, and no
// network hop at all between two atoms of one host. Every atom still runs in its host's process
// and is timed by that host; the report lists each one with its outcome. An atom failure ends the
// phase with a report, never a thrown error, so Temporal retries this activity only when the
// runner itself was lost (its process died); a retry then re-runs the phase, idempotently.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { AgentClient } from '../agent/client';
import { runDirect } from '../agent/delegate';
import type { Journal } from '../agent/journal';
import { FailureType } from '../domain/errors';
import { switchoverInputSchema, type SwitchoverReport } from '../domain/switchover';
import { zodMessage } from '../domain/zod-message';

const HEARTBEAT_EVERY_MS = 250;

export function createSwitchoverActivities(agents: AgentClient, journal?: Journal) {
  return {
    async switchover(raw: unknown): Promise<SwitchoverReport> {
      const input = switchoverInputSchema.safeParse(raw);
      if (!input.success)
        throw ApplicationFailure.create({
          type: FailureType.BadRequest,
          nonRetryable: true,
          message: `switchover: ${zodMessage(input.error)}`,
        });
      const ctx = Context.current();
      const beat = setInterval(() => ctx.heartbeat(), HEARTBEAT_EVERY_MS);
      try {
        const options = { client: agents, signal: ctx.cancellationSignal, ...(journal ? { journal } : {}) };
        return await runDirect(input.data.phase.plan, input.data.timeScale, options);
      } finally {
        clearInterval(beat);
      }
    },
  };
}
export type SwitchoverActivities = ReturnType<typeof createSwitchoverActivities>;
