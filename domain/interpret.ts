// The semantics of the plan language, in one place: Serial steps run in order, Parallel steps
// together, and a Parallel group reports a failure only once every branch has settled, so a
// rollback never races an atom still in flight. The workflow runs atoms as Temporal activities
// through it; the switchover runner runs them through the hosts' agents. Pure and sandbox-safe.
import type { AtomCall, Plan } from './atoms';

export type AtomRunner = (call: AtomCall) => Promise<void>;

export async function interpret(plan: Plan, run: AtomRunner): Promise<void> {
  if (plan.kind === 'atom') return run(plan.call);
  if (plan.kind === 'serial') {
    for (const step of plan.steps) await interpret(step, run);
    return;
  }
  const settled = await Promise.allSettled(plan.steps.map((s) => interpret(s, run)));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
}
