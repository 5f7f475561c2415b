// Migration request and result: the workflow's wire contract (docs/design.md §7).
import { z } from 'zod';
import { atomNameSchema, phaseSchema } from './atoms';
import type { PoolSnapshot, Vm } from './pool';
import { hostBackend, srReachable } from './pool';

export const planKindSchema = z.enum(['early-attach', 'legacy']);
export type PlanKind = z.infer<typeof planKindSchema>;

export const migrationRequestSchema = z
  .object({
    vm: z.string().min(1, 'a VM name is required'),
    to: z.string().min(1, 'a destination host is required'),
    plan: planKindSchema.default('early-attach'),
  })
  .strict();
export type MigrationRequest = z.infer<typeof migrationRequestSchema>;

export const outcomeSchema = z.enum(['migrated', 'rolled-back', 'failed']);
export type Outcome = z.infer<typeof outcomeSchema>;

export const atomTimingSchema = z.object({
  atom: atomNameSchema,
  host: z.string(),
  device: z.string().optional(),
  startMs: z.number(),
  endMs: z.number(),
  inDowntime: z.boolean(),
  /** Extension: the plan phase (prepare, precopy, downtime, cleanup, rollback). */
  phase: phaseSchema.optional(),
});
export type AtomTiming = z.infer<typeof atomTimingSchema>;

export const migrationResultSchema = z.object({
  workflowId: z.string(),
  vm: z.string(),
  vmUuid: z.string(),
  from: z.string(),
  to: z.string(),
  plan: planKindSchema,
  outcome: outcomeSchema,
  downtimeMs: z.number(),
  idleInDowntimeMs: z.number(),
  totalMs: z.number(),
  earlyAttached: z.array(z.string()),
  /** Extension: the VM's disks (VBDs with a VDI), beside those attached early. */
  disks: z.number().int().optional(),
  atoms: z.array(atomTimingSchema),
  /** Extension: why a migration did not complete. */
  reason: z.string().optional(),
});
export type MigrationResult = z.infer<typeof migrationResultSchema>;

export type Validation = { ok: true; vm: Vm } | { ok: false; message: string };

/** Checks a request against a pool snapshot; the message is one line, fit for an operator. */
export function validateRequest(pool: PoolSnapshot, req: MigrationRequest): Validation {
  const vm = pool.vms.find((v) => v.name === req.vm);
  if (!vm) return { ok: false, message: `unknown VM "${req.vm}" (known: ${pool.vms.map((v) => v.name).join(', ')})` };
  if (!pool.hosts.some((h) => h.name === req.to))
    return { ok: false, message: `unknown host "${req.to}" (known: ${pool.hosts.map((h) => h.name).join(', ')})` };
  if (pool.evacuating?.includes(req.to))
    return { ok: false, message: `host "${req.to}" is being evacuated: no migrations to it until that ends` };
  if (vm.residentOn === req.to)
    return {
      ok: false,
      message: `VM "${vm.name}" already runs on ${req.to}: source and destination are the same host`,
    };
  const [from, to] = [hostBackend(pool, vm.residentOn), hostBackend(pool, req.to)];
  if (from !== to)
    return {
      ok: false,
      message: `VM "${vm.name}" runs on a ${from} host (${vm.residentOn}); ${req.to} is a ${to} host: migrate between hosts of one backend`,
    };
  for (const vbd of vm.vbds) {
    const sr = pool.srs.find((s) => s.name === vbd.sr);
    if (vbd.sr !== undefined && !sr)
      return { ok: false, message: `VM "${vm.name}" ${vbd.device}: unknown SR "${vbd.sr}"` };
    if (sr && !srReachable(sr, req.to))
      return {
        ok: false,
        message: `VM "${vm.name}" ${vbd.device}: SR "${sr.name}" is not reachable from ${req.to} (local to ${sr.host})`,
      };
  }
  return { ok: true, vm };
}
