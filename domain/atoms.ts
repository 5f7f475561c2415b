// The atom vocabulary (upstream xenopsd names) and the Serial/Parallel plan combinators.
import { z } from 'zod';

export const atomNameSchema = z.enum([
  'VM_create', // destination: create the incoming domain (paused) under the temporary id
  'VIF_plug', // destination: plug one network interface
  'VBD_set_active', // destination: mark the VBD active in the toolstack's database
  'VBD_attach', // a host gains access to the VDI (not exclusive)
  'VM_precopy', // source: pre-copy memory rounds while the VM runs
  'VM_suspend', // source: pause the VM; downtime starts
  'VM_memory_final', // source: copy the last dirty pages (inside downtime)
  'VBD_deactivate', // a host stops I/O on the VDI
  'VM_rename', // destination: temporary id -> real id
  'VBD_activate', // a host makes the VDI usable for I/O (exclusive for RW)
  'VM_unpause', // run the domain; on the destination, downtime ends
  'VBD_detach', // a host drops access to the VDI
  'VM_destroy', // a host tears the domain down
]);
export type AtomName = z.infer<typeof atomNameSchema>;
export const ATOM_NAMES = atomNameSchema.options;

export const phaseSchema = z.enum(['prepare', 'precopy', 'downtime', 'cleanup', 'rollback']);
export type Phase = z.infer<typeof phaseSchema>;

export const vbdRefSchema = z.object({
  device: z.string(),
  vdi: z.string(),
  mode: z.enum(['RW', 'RO']),
  srType: z.string(),
});
export type VbdRef = z.infer<typeof vbdRefSchema>;

export const memorySchema = z.object({
  memoryMiB: z.number().positive(),
  dirtyRateMiBps: z.number().nonnegative(),
  migrationMiBps: z.number().positive(),
  peer: z.string(),
});

/** One atom invocation: what the interpreter sends to a host and the host's activity parses. */
export const atomCallSchema = z.object({
  atom: atomNameSchema,
  host: z.string(),
  phase: phaseSchema,
  migrationId: z.string(),
  vmUuid: z.string(),
  vmName: z.string(),
  domId: z.string(),
  vbd: vbdRefSchema.optional(),
  memory: memorySchema.optional(),
  renameTo: z.string().optional(),
  vif: z.number().int().nonnegative().optional(),
});
export type AtomCall = z.infer<typeof atomCallSchema>;

/** What a host reports back: the operation's own start/end as its clock saw them. */
export const atomResultSchema = z.object({ startMs: z.number(), endMs: z.number(), noop: z.boolean() });
export type AtomResult = z.infer<typeof atomResultSchema>;

export type Plan =
  | { readonly kind: 'atom'; readonly call: AtomCall }
  | { readonly kind: 'serial'; readonly label: string; readonly steps: readonly Plan[] }
  | { readonly kind: 'parallel'; readonly label: string; readonly steps: readonly Plan[] };

export const Atom = (call: AtomCall): Plan => ({ kind: 'atom', call });
export const Serial = (label: string, steps: readonly Plan[]): Plan => ({ kind: 'serial', label, steps });
export const Parallel = (label: string, steps: readonly Plan[]): Plan => ({ kind: 'parallel', label, steps });

/** Every atom of a plan in interpretation order (parallel branches left to right). */
export function atomsOf(plan: Plan): AtomCall[] {
  return plan.kind === 'atom' ? [plan.call] : plan.steps.flatMap(atomsOf);
}

/** A one-line rendering for the Web UI and the CLI: `VBD_attach xvda@host-b`. */
export function describeAtom(call: AtomCall): string {
  const target = call.vbd ? ` ${call.vbd.device}` : call.vif !== undefined ? ` vif${call.vif}` : '';
  return `${call.atom}${target} @${call.host}`;
}

/** An indented tree rendering of a plan, for `liveshift plan`. */
export function renderPlan(plan: Plan, indent = ''): string[] {
  if (plan.kind === 'atom') return [`${indent}${describeAtom(plan.call)}`];
  const head = `${indent}${plan.kind === 'serial' ? 'Serial' : 'Parallel'} ${plan.label}`;
  return [head, ...plan.steps.flatMap((s) => renderPlan(s, `${indent}  `))];
}
