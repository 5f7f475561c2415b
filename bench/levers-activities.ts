// Activities of the dispatch benchmark: a no-op step timed by the process that runs it, and a step
// that asks a host's agent to run one no-op atom (timed by the host, as every atom is).
import type { AgentClient } from '../agent/client';
import type { AtomCall } from '../domain/atoms';
import { Atom } from '../domain/atoms';
import { nowMs } from '../sim/db';

export function leverActivities(agents: AgentClient, noopAtom: AtomCall) {
  return {
    async step(): Promise<{ startMs: number; endMs: number }> {
      const t = nowMs();
      return { startMs: t, endMs: t };
    },
    async agentStep(): Promise<{ startMs: number; endMs: number }> {
      let timing = { startMs: 0, endMs: 0 };
      await agents.runPlan(noopAtom.host, { plan: Atom(noopAtom), timeScale: 1 }, (l) => {
        if ('settled' in l && 'result' in l.settled.outcome) timing = l.settled.outcome.result;
      });
      return timing;
    },
  };
}
export type LeverActivities = ReturnType<typeof leverActivities>;
