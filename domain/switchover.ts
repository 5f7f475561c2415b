// The switchover activity's wire contract: a phase to run with direct dispatch, and the report of
// every atom it dispatched, in dispatch order, with the host's own timing or the failure.
import { z } from 'zod';
import { atomCallSchema, atomResultSchema } from './atoms';
import { planPhaseSchema } from './phases';

export const switchoverInputSchema = z.object({ phase: planPhaseSchema, timeScale: z.number().positive() }).strict();
export type SwitchoverInput = z.infer<typeof switchoverInputSchema>;

export const failureInfoSchema = z.object({ type: z.string(), message: z.string() });
export type FailureInfo = z.infer<typeof failureInfoSchema>;

export const reportedAtomSchema = z.object({
  call: atomCallSchema,
  /** Attempts the runner made (retries after a failure or a lost host). */
  attempts: z.number().int().positive(),
  outcome: z.union([z.object({ result: atomResultSchema }), z.object({ failure: failureInfoSchema })]),
});
export type ReportedAtom = z.infer<typeof reportedAtomSchema>;

export const switchoverReportSchema = z.object({
  atoms: z.array(reportedAtomSchema),
  /** Why the phase stopped; absent when every atom succeeded. */
  failure: failureInfoSchema.optional(),
});
export type SwitchoverReport = z.infer<typeof switchoverReportSchema>;
