// What a client and the evacuateHost workflow agree on (docs/design.md §7, `evacuate`): request,
// caps, per-VM outcome, progress and abort. Sandbox-safe, like definitions.ts.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import { planKindSchema } from '../domain/request';
import type { AbortArgs } from './definitions';

export const EVACUATE_WORKFLOW = 'evacuateHost';
export const evacuationWorkflowId = (host: string): string => `evacuate-${host}`;

/**
 * How many migrations may run at once. Defaults after the peers: Xen Orchestra runs 3 per pool,
 * KubeVirt 2 outbound per node and 5 per cluster; many at once lengthen every final pause.
 */
export const DEFAULT_CAPS = { perSource: 2, perDestination: 2, pool: 5 } as const;
const cap = z.number().int().positive('a cap must be a whole number ≥ 1');
export const evacuationCapsSchema = z
  .object({
    perSource: cap.default(DEFAULT_CAPS.perSource),
    perDestination: cap.default(DEFAULT_CAPS.perDestination),
    pool: cap.default(DEFAULT_CAPS.pool),
  })
  .strict();
export type EvacuationCaps = z.infer<typeof evacuationCapsSchema>;

/** Children one run starts before it continues as new (keeps the history bounded). */
export const DEFAULT_CONTINUE_AS_NEW_AFTER = 100;

export const evacuationRequestSchema = z
  .object({
    host: z.string().min(1, 'a host name is required'),
    plan: planKindSchema.default('early-attach'),
    caps: evacuationCapsSchema.default({}),
    continueAsNewAfter: z.number().int().positive().default(DEFAULT_CONTINUE_AS_NEW_AFTER),
  })
  .strict();
export type EvacuationRequest = z.infer<typeof evacuationRequestSchema>;
export type EvacuationRequestInput = z.input<typeof evacuationRequestSchema>;

/**
 * What an evacuation starts a migration with ahead of its slot: no destination yet. The migration
 * asks the pool for its slot, and the destination comes with it (workflows/slot-wait.ts).
 */
export const queuedMigrationSchema = z
  .object({
    vm: z.string().min(1),
    plan: planKindSchema,
    /** `rank`: the VM's place in the evacuation's order (largest first). */
    evacuation: z
      .object({ workflowId: z.string(), source: z.string(), caps: evacuationCapsSchema, rank: z.number().int() })
      .strict(),
  })
  .strict();
export type QueuedMigration = z.infer<typeof queuedMigrationSchema>;

/** `skipped`: never started (no destination can take it, or the evacuation was aborted first). */
export const vmOutcomeSchema = z.enum(['migrated', 'rolled-back', 'failed', 'skipped']);

export const evacuatedVmSchema = z.object({
  vm: z.string(),
  to: z.string().nullable(),
  plan: planKindSchema,
  outcome: vmOutcomeSchema,
  workflowId: z.string().nullable(),
  earlyAttached: z.array(z.string()),
  disks: z.number().int(),
  downtimeMs: z.number().nullable(),
  /** Epoch ms of this VM's migration; null when it never started. */
  startedAt: z.number().nullable(),
  endedAt: z.number().nullable(),
  reason: z.string().optional(),
});
export type EvacuatedVm = z.infer<typeof evacuatedVmSchema>;

export const evacuationOutcomeSchema = z.enum(['evacuated', 'partial', 'failed']);

export const evacuationResultSchema = z.object({
  workflowId: z.string(),
  host: z.string(),
  outcome: evacuationOutcomeSchema,
  vms: z.array(evacuatedVmSchema),
  caps: evacuationCapsSchema,
  /** Runs of the workflow (1 + how often it continued as new). */
  runs: z.number().int(),
  startedAt: z.number(),
  endedAt: z.number(),
});
export type EvacuationResult = z.infer<typeof evacuationResultSchema>;

/** What a run hands the next one when it continues as new. */
export const evacuationCarrySchema = z.object({
  /** VMs still to start, in order. */
  pending: z.array(z.string()),
  results: z.array(evacuatedVmSchema),
  runs: z.number().int().positive(),
  startedAt: z.number(),
  abortReason: z.string().nullable(),
});
export type EvacuationCarry = z.infer<typeof evacuationCarrySchema>;

export const evacuationInputSchema = z.object({
  request: evacuationRequestSchema,
  carry: evacuationCarrySchema.optional(),
});
export type EvacuationInput = z.input<typeof evacuationInputSchema>;

export const evacuationPhaseSchema = z.enum(['placing', 'migrating', 'draining', 'done']);

export const evacuationProgressSchema = z.object({
  host: z.string(),
  phase: evacuationPhaseSchema,
  caps: evacuationCapsSchema,
  abortRequested: z.string().nullable(),
  /** VMs this evacuation is moving or has moved (those on the host when it started). */
  total: z.number().int(),
  /** VMs not started yet. */
  pending: z.array(z.string()),
  /** `to` is null while a migration started ahead waits for its slot (its own `progress` has it then). */
  running: z.array(
    z.object({ vm: z.string(), to: z.string().nullable(), workflowId: z.string(), startedAt: z.number() }),
  ),
  finished: z.array(evacuatedVmSchema),
  runs: z.number().int(),
});
export type EvacuationProgress = z.infer<typeof evacuationProgressSchema>;

export const evacuationProgressQuery = defineQuery<EvacuationProgress>('progress');
/** Stops new migrations; running ones finish (or roll back) on their own. */
export const evacuationAbortUpdate = defineUpdate<{ accepted: true; pending: number }, [AbortArgs]>('abort');
