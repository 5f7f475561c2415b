// The simulated hypervisors' append-only event log, as read back by audit and measurement.
import { z } from 'zod';

export const simEventSchema = z.object({
  seq: z.number().int(),
  host: z.string(),
  op: z.string(),
  vmUuid: z.string(),
  domId: z.string().nullable(),
  device: z.string().nullable(),
  vdi: z.string().nullable(),
  mode: z.enum(['RW', 'RO']).nullable(),
  migrationId: z.string().nullable(),
  startMs: z.number(),
  endMs: z.number(),
  detail: z.string().nullable(),
  /** The plan phase the atom ran in (null for markers and the initial state). */
  phase: z.string().nullable(),
});
export type SimEvent = z.infer<typeof simEventSchema>;

/** Event ops that are not atoms: markers written by the orchestrator. */
export const MIGRATION_END_OP = 'MIGRATION_END';
