// The agent's side of direct dispatch: a plan whose atoms all belong to this host, run with the
// plan language's interpreter (domain/interpret.ts). Between two of its atoms there is no network
// hop at all. Every atom is checked against an abort first, then run with the phase's retries and
// bounds, and reported as it starts and as it settles.
import type { AtomCall } from '../domain/atoms';
import { atomKey, interpret } from '../domain/interpret';
import type { MigrationControl, Toolstack } from '../domain/toolstack';
import { DispatchFailed, failureInfo } from './errors';
import { checkAbort } from './gate';
import { localAttempt } from './local';
import type { AgentLine, PlanRequest } from './protocol';
import { runAttempts } from './retry';

export interface HereDeps {
  toolstack: Toolstack;
  control: MigrationControl;
}

/** Runs `req.plan` here; true when every atom succeeded. */
export async function runHere(
  req: PlanRequest,
  deps: HereDeps,
  emit: (l: AgentLine) => void,
  signal: AbortSignal,
): Promise<boolean> {
  const attempt = localAttempt(deps.toolstack);
  const runAtom = async (call: AtomCall) => {
    checkAbort(deps.control, call);
    const key = atomKey(call);
    emit({ started: key });
    try {
      const { result, attempts } = await runAttempts(call, req.timeScale, attempt, signal);
      emit({ settled: { key, attempts, outcome: { result } } });
    } catch (err) {
      const attempts = err instanceof DispatchFailed ? Math.max(1, err.attempts) : 1;
      emit({ settled: { key, attempts, outcome: { failure: failureInfo(err) } } });
      throw err;
    }
  };
  try {
    await interpret(req.plan, runAtom);
    emit({ end: {} });
    return true;
  } catch (err) {
    emit({ end: { failure: failureInfo(err) } });
    return false;
  }
}
