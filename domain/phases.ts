// Phases of a plan, by name, each marked with how its atoms reach their hosts. The rule is the
// planner's, in one place: a phase with an atom that only runs while the VM is paused is
// dispatched directly (the switchover runner calls each host's agent, no server round trip between
// atoms); every other phase runs one Temporal activity per atom on the host's task queue.
import { z } from 'zod';
import { ATOM_TRAITS } from './atom-traits';
import { atomCallSchema, atomsOf, phaseSchema, Serial, type Phase, type Plan } from './atoms';

export const dispatchSchema = z.enum(['task-queue', 'direct']);
export type Dispatch = z.infer<typeof dispatchSchema>;

export interface PlanPhase {
  readonly name: Phase;
  readonly label: string;
  readonly dispatch: Dispatch;
  readonly plan: Plan;
}

/** A phase of `steps`, its dispatch decided by the atoms in it. */
export function phaseOf(name: Phase, label: string, steps: readonly Plan[]): PlanPhase {
  const plan = Serial(label, steps);
  const paused = atomsOf(plan).some((c) => ATOM_TRAITS[c.atom].window === 'inside');
  return { name, label, dispatch: paused ? 'direct' : 'task-queue', plan };
}

export const isEmptyPhase = (p: PlanPhase): boolean => atomsOf(p.plan).length === 0;

/** The wire form of a plan (the switchover activity's input, a host agent's request), parsed at the boundary. */
export const planSchema: z.ZodType<Plan> = z.lazy(() =>
  // Discriminated by `kind`: each node is checked against its own shape only (a plain union would
  // try every shape and build errors for the misses, at every level).
  z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('atom'), call: atomCallSchema }).strict(),
    z.object({ kind: z.literal('serial'), label: z.string(), steps: z.array(planSchema) }).strict(),
    z.object({ kind: z.literal('parallel'), label: z.string(), steps: z.array(planSchema) }).strict(),
  ]),
);

export const planPhaseSchema = z
  .object({ name: phaseSchema, label: z.string(), dispatch: dispatchSchema, plan: planSchema })
  .strict();

/**
 * A phase's first step as a direct phase of its own, and the rest, dispatched as the phase was. A
 * migration that waited for an evacuation's slot runs its lead direct the moment the slot is
 * granted: no server round trip then stands between one migration's end and the next one's first
 * atom on the slot (docs/performance.md, "Evacuating hosts at scale").
 */
export function splitLead(p: PlanPhase): { lead: PlanPhase; rest: PlanPhase } {
  const steps = p.plan.kind === 'serial' ? p.plan.steps : [p.plan];
  return {
    lead: { ...p, dispatch: 'direct', plan: Serial(p.label, steps.slice(0, 1)) },
    rest: { ...p, plan: Serial(p.label, steps.slice(1)) },
  };
}
