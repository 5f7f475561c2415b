// Direct dispatch of a whole phase, from the switchover runner: the plan is cut into host runs
// (domain/interpret.ts, interpretByHost) and each run is handed to its host's agent in one call,
// so the only network hop inside the window is where the work passes from one host to the other.
// If a host is lost in the middle (its process died, or went silent), what it reported done stays
// done and the rest is sent again once the host answers, within the phase's host wait; every atom
// that was in flight counts one attempt against the phase's attempt limit.
import type { Plan } from '../domain/atoms';
import { hostRunsOf, interpretByHost, splitByHost, successors } from '../domain/interpret';
import type { ReportedAtom, SwitchoverReport } from '../domain/switchover';
import { failureInfo } from './errors';
import { HostRun, type DirectOptions } from './host-run';

export type { DirectOptions };

export async function runDirect(plan: Plan, timeScale: number, o: DirectOptions): Promise<SwitchoverReport> {
  const atoms: ReportedAtom[] = [];
  const tree = splitByHost(plan);
  const runs = new Map(hostRunsOf(tree).map((leaf) => [leaf, new HostRun(leaf, timeScale, o, atoms)]));
  const client = o.client;
  // Every host run is sent at once; each host checks its part and holds it until its turn. A run
  // followed by another host's run hands the turn over itself when it succeeds (one hop, not two).
  const next = successors(tree);
  for (const [leaf, run] of runs) {
    const after = next.get(leaf);
    const url = after && client.urlOf(after.host);
    run.sendAhead(after && url ? { url, runId: runs.get(after)!.runId } : undefined);
  }
  try {
    await interpretByHost(tree, (leaf) => runs.get(leaf)!.run());
    return { atoms };
  } catch (err) {
    return { atoms, failure: failureInfo(err) };
  } finally {
    for (const run of runs.values()) run.dropIfUnused();
  }
}
