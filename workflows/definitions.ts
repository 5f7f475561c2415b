// Everything a client and the workflow must agree on: message definitions, search attributes,
// names. Imported by both sides (samples-typescript style), so it stays sandbox-safe.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import { atomNameSchema, phaseSchema } from '../domain/atoms';
import { outcomeSchema } from '../domain/request';

export const LIVE_MIGRATE_WORKFLOW = 'liveMigrateVm';

export const migrationPhaseSchema = z.enum([
  'precheck',
  'prepare',
  'precopy',
  'downtime',
  'cleanup',
  'rollback',
  'done',
]);
export type MigrationPhase = z.infer<typeof migrationPhaseSchema>;

export const abortArgsSchema = z.object({ reason: z.string().min(1).max(200).default('operator request') }).strict();
export type AbortArgs = z.input<typeof abortArgsSchema>;
export const abortAcceptedSchema = z.object({ accepted: z.literal(true), phase: migrationPhaseSchema });
export type AbortAccepted = z.infer<typeof abortAcceptedSchema>;

export const progressSchema = z.object({
  phase: migrationPhaseSchema,
  plan: z.enum(['early-attach', 'legacy']).nullable(),
  atomsDone: z.number().int(),
  atomsTotal: z.number().int(),
  abortRequested: z.string().nullable(),
  outcome: outcomeSchema.nullable(),
  vbds: z.array(z.object({ device: z.string(), early: z.boolean(), reason: z.string(), state: z.string() })),
  timeline: z.array(
    z.object({
      atom: atomNameSchema,
      host: z.string(),
      device: z.string().optional(),
      phase: phaseSchema,
      status: z.enum(['done', 'failed']),
      ms: z.number(),
    }),
  ),

  /**
   * Extension: the memory the plan sends (every pre-copy round and the final copy, as modelled),
   * counted as copied once its atom is done; null before the plan. Absent from older workers.
   */
  memory: z.object({ totalMiB: z.number(), copiedMiB: z.number() }).nullable().optional(),
  /** Extension: the measured pause, once the migration has ended (null before). */
  downtimeMs: z.number().nullable().optional(),
  /** Extension: the destination, once planned (an evacuation's migration learns it with its slot). */
  to: z.string().nullable().optional(),
  /** Extension: started by an evacuation ahead of its slot, and still waiting for one. */
  waitingForSlot: z.boolean().optional(),
});
export type Progress = z.infer<typeof progressSchema>;

/** Accepted until the destination unpause is dispatched (the point of no return). */
export const abortUpdate = defineUpdate<AbortAccepted, [AbortArgs]>('abort');
export const progressQuery = defineQuery<Progress>('progress');

export const searchAttributes = {
  VmName: defineSearchAttributeKey('VmName', SearchAttributeType.KEYWORD),
  VmUuid: defineSearchAttributeKey('VmUuid', SearchAttributeType.KEYWORD),
  SourceHost: defineSearchAttributeKey('SourceHost', SearchAttributeType.KEYWORD),
  DestinationHost: defineSearchAttributeKey('DestinationHost', SearchAttributeType.KEYWORD),
  MigrationPhase: defineSearchAttributeKey('MigrationPhase', SearchAttributeType.KEYWORD),
  MigrationPlan: defineSearchAttributeKey('MigrationPlan', SearchAttributeType.KEYWORD),
  DowntimeMs: defineSearchAttributeKey('DowntimeMs', SearchAttributeType.INT),
} as const;

/** `temporal server start-dev --search-attribute` arguments, derived from the keys above. */
export const searchAttributeFlags = (): string[] =>
  Object.values(searchAttributes).flatMap((k) => [
    '--search-attribute',
    `${k.name}=${k.type === SearchAttributeType.INT ? 'Int' : 'Keyword'}`,
  ]);
