// The switchover runner: one activity that runs a whole direct phase (the downtime window, a
// rollback's restore). The phase is handed host by host to the hosts' agents (agent/delegate.ts),
// which run their part with the plan language's own interpreter: no server round trip, and no
// network hop at all between two atoms of one host. Every atom still runs in its host's process
// and is timed by that host; the report lists each one with its outcome. An atom failure ends the
// phase with a report, never a thrown error, so Temporal retries this activity only when the
// runner itself was lost (its process died); a retry then re-runs the phase, idempotently.
// `leadStep` is the same runner as a local activity, for a migration's first step the moment an
// evacuation grants it a slot: the workflow task that got the grant runs it, with no dispatch
// through the server in between.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { AgentClient } from '../agent/client';
import { runDirect } from '../agent/delegate';
import type { Journal } from '../agent/journal';
import { FailureType } from '../domain/errors';
import { switchoverInputSchema, type SwitchoverInput, type SwitchoverReport } from '../domain/switchover';
import { zodMessage } from '../domain/zod-message';

const HEARTBEAT_EVERY_MS = 250;

function parseInput(name: string, raw: unknown): SwitchoverInput {
  const input = switchoverInputSchema.safeParse(raw);
  if (!input.success)
    throw ApplicationFailure.create({
      type: FailureType.BadRequest,
      nonRetryable: true,
      message: `${name}: ${zodMessage(input.error)}`,
    });
  return input.data;
}

export function createSwitchoverActivities(agents: AgentClient, journal?: Journal) {
  const run = (input: SwitchoverInput, signal: AbortSignal) =>
    runDirect(input.phase.plan, input.timeScale, { client: agents, signal, ...(journal ? { journal } : {}) });
  return {
    async switchover(raw: unknown): Promise<SwitchoverReport> {
      const input = parseInput('switchover', raw);
      const ctx = Context.current();
      const beat = setInterval(() => ctx.heartbeat(), HEARTBEAT_EVERY_MS);
      try {
        return await run(input, ctx.cancellationSignal);
      } finally {
        clearInterval(beat);
      }
    },
    /** A local activity: it cannot heartbeat, and its workflow task stays open while it runs. */
    async leadStep(raw: unknown): Promise<SwitchoverReport> {
      return run(parseInput('leadStep', raw), Context.current().cancellationSignal);
    },
  };
}
export type SwitchoverActivities = ReturnType<typeof createSwitchoverActivities>;
