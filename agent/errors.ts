// How a direct dispatch can end, so retries can be decided from the kind of failure:
// - AgentUnreachable: nothing received the call (no agent registered, connection refused, or a
//   stale address answered for another host); the host may be restarting. Not an attempt.
// - AttemptLost / AttemptTimedOut: the call may have run (the host died, hung, or went silent).
// - HostFailure: the host ran the atom and reported a typed failure.
// - AgentRefused: the agent will not take the call at all (wrong token, malformed request).
// - DispatchFailed: the atom's final failure, after the attempts the policy allows.
export class AgentUnreachable extends Error {
  override name = 'AgentUnreachable';
}

export class AttemptLost extends Error {
  override name = 'AttemptLost';
}

export class AttemptTimedOut extends Error {
  override name = 'AttemptTimedOut';
}

export class HostFailure extends Error {
  override name = 'HostFailure';
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** The agent will not run the call (a wrong token, a malformed request): no retry helps. */
export class AgentRefused extends Error {
  override name = 'AgentRefused';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

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

/** The failure as the switchover report and the agent's stream carry it. */
export function failureInfo(err: unknown): { type: string; message: string } {
  if (err instanceof DispatchFailed || err instanceof HostFailure) return { type: err.type, message: err.message };
  if (err instanceof Error) return { type: err.name, message: err.message };
  return { type: 'Error', message: String(err) };
}
