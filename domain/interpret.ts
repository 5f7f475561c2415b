// The semantics of the plan language, in one place: Serial steps run in order, Parallel steps
// together, and a Parallel group reports a failure only once every branch has settled, so a
// rollback never races an atom still in flight. Two entry points, one meaning:
// - interpret: atom by atom (the workflow's task-queue dispatch, a host agent running its part);
// - interpretByHost: over the plan cut into host runs (splitByHost): whole sub-plans that touch
//   one host only are handed to that host at once; only the mixed nodes are walked here.
// Pure and sandbox-safe.
import { Serial, type AtomCall, type Plan } from './atoms';

export type AtomRunner = (call: AtomCall) => Promise<void>;

export async function interpret(plan: Plan, run: AtomRunner): Promise<void> {
  if (plan.kind === 'atom') return run(plan.call);
  if (plan.kind === 'serial') {
    for (const step of plan.steps) await interpret(step, run);
    return;
  }
  await settleAll(plan.steps.map((s) => interpret(s, run)));
}

/** A plan cut into host runs: each leaf is a sub-plan that touches one host only. */
export type HostTree =
  | { readonly kind: 'host'; readonly host: string; readonly plan: Plan }
  | { readonly kind: 'serial' | 'parallel'; readonly steps: readonly HostTree[] };
export type HostRun = Extract<HostTree, { kind: 'host' }>;

/** Whole sub-plans on one host become leaves, consecutive Serial steps on the same host together. */
export function splitByHost(plan: Plan): HostTree {
  const host = soleHost(plan);
  if (host !== undefined) return { kind: 'host', host, plan };
  if (plan.kind === 'atom') return { kind: 'host', host: plan.call.host, plan };
  if (plan.kind === 'parallel') return { kind: 'parallel', steps: plan.steps.map(splitByHost) };
  return { kind: 'serial', steps: hostRuns(plan).map(splitByHost) };
}

/** The leaves of a host tree, in the order a serial walk meets them. */
export function hostRunsOf(tree: HostTree): HostRun[] {
  return tree.kind === 'host' ? [tree] : tree.steps.flatMap(hostRunsOf);
}

/** Each host run that a Serial step follows directly with another host run, and that run. */
export function successors(tree: HostTree): Map<HostRun, HostRun> {
  const next = new Map<HostRun, HostRun>();
  const walk = (t: HostTree): void => {
    if (t.kind === 'host') return;
    t.steps.forEach((step, i) => {
      const after = t.steps[i + 1];
      if (t.kind === 'serial' && step.kind === 'host' && after?.kind === 'host') next.set(step, after);
      walk(step);
    });
  };
  walk(tree);
  return next;
}

/** The plan's semantics over host runs: each leaf is handed whole to `run`. */
export async function interpretByHost(tree: HostTree, run: (leaf: HostRun) => Promise<void>): Promise<void> {
  if (tree.kind === 'host') return run(tree);
  if (tree.kind === 'parallel') return settleAll(tree.steps.map((s) => interpretByHost(s, run)));
  for (const step of tree.steps) await interpretByHost(step, run);
}

async function settleAll(branches: Promise<void>[]): Promise<void> {
  const settled = await Promise.allSettled(branches);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
}

/** The one host every atom of `plan` runs on; undefined when there are several, or none. */
export function soleHost(plan: Plan): string | undefined {
  if (plan.kind === 'atom') return plan.call.host;
  const hosts = plan.steps.map(soleHost);
  const first = hosts[0];
  return first !== undefined && hosts.every((h) => h === first) ? first : undefined;
}

/** A Serial's steps with each run of consecutive same-host steps joined into one Serial. */
function hostRuns(plan: Extract<Plan, { kind: 'serial' }>): Plan[] {
  const runs: Plan[][] = [];
  let current: string | undefined;
  for (const step of plan.steps) {
    const host = soleHost(step);
    if (host !== undefined && host === current) runs.at(-1)?.push(step);
    else runs.push([step]);
    current = host;
  }
  return runs.map((steps) => (steps.length === 1 ? steps[0]! : Serial(plan.label, steps)));
}

/** Identifies an atom within a plan: no plan holds the same atom for the same target twice. */
export function atomKey(c: AtomCall): string {
  return [c.atom, c.host, c.domId, c.vbd?.device ?? '', c.vif ?? ''].join('|');
}

/** The key of the atom a host's event records (hosts record no VIF, and no VIF atom is dispatched directly). */
export function eventAtomKey(e: { op: string; host: string; domId: string | null; device: string | null }): string {
  return [e.op, e.host, e.domId ?? '', e.device ?? '', ''].join('|');
}

/** `plan` without the atoms in `done`; groups left empty are dropped (undefined: nothing left). */
export function withoutAtoms(plan: Plan, done: ReadonlySet<string>): Plan | undefined {
  if (plan.kind === 'atom') return done.has(atomKey(plan.call)) ? undefined : plan;
  const steps = plan.steps.map((s) => withoutAtoms(s, done)).filter((s): s is Plan => s !== undefined);
  return steps.length === 0 ? undefined : { ...plan, steps };
}
