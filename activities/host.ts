// Host activities: one per atom kind, named after the atom so the Temporal history reads like the
// plan. A host worker registers them bound to its own host name.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { ATOM_NAMES, atomCallSchema, type AtomName, type AtomResult } from '../domain/atoms';
import { FailureType } from '../domain/errors';
import { zodMessage } from '../domain/zod-message';
import { asFailures } from './errors';
import type { Toolstack } from '../domain/toolstack';

export type HostActivity = (call: unknown) => Promise<AtomResult>;
export type HostActivities = Record<AtomName, HostActivity>;

export function createHostActivities(toolstack: Toolstack, host: string): HostActivities {
  const run =
    (atom: AtomName): HostActivity =>
    async (raw) => {
      const parsed = atomCallSchema.safeParse(raw);
      if (!parsed.success)
        throw ApplicationFailure.create({
          type: FailureType.BadRequest,
          nonRetryable: true,
          message: `${atom}: ${zodMessage(parsed.error)}`,
        });
      const call = parsed.data;
      if (call.atom !== atom || call.host !== host)
        throw ApplicationFailure.create({
          type: FailureType.BadRequest,
          nonRetryable: true,
          message: `${call.atom} for ${call.host} was routed to ${atom} on ${host}`,
        });
      const ctx = Context.current();
      return asFailures(() =>
        toolstack.run(call, { signal: ctx.cancellationSignal, heartbeat: () => ctx.heartbeat() }),
      );
    };
  return Object.fromEntries(ATOM_NAMES.map((atom) => [atom, run(atom)])) as HostActivities;
}
