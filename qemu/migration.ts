// The QMP vocabulary of a live migration shared by the backend and its tests: the capabilities
// each end needs, and what `query-migrate` answers.
import { z } from 'zod';
import type { QmpClient } from './qmp';

/** Pause before switchover (the orchestrator's window); return-path makes `completed` mean loaded. */
export const SOURCE_CAPS = { events: true, 'pause-before-switchover': true, 'return-path': true };
/** late-block-activate: with -S the images stay inactive (and unlocked) until `cont`. */
export const DEST_CAPS = { events: true, 'late-block-activate': true };

/** The default cap (128 MiB/s) is meant for shared links, not a local socket. */
export const LOCAL_MAX_BANDWIDTH = 10 * 1024 ** 3;

/**
 * QEMU stops the guest once what is left to copy would take at most this long at the bandwidth it
 * measures; the rest is copied after the stop. QEMU's default (300 ms) left up to ~100 ms of
 * copying in the pause in our runs, 50 ms a few ms. A guest that dirties memory faster than the
 * link carries it never gets there (no auto-converge): its VM_precopy runs into its bound.
 * (0 does not hold pre-copy back: QEMU 7.2 then completes right after the first pass.)
 */
export const DOWNTIME_LIMIT_MS = 50;

/** `migrate-set-parameters` for the source. */
export const SOURCE_PARAMETERS = { 'max-bandwidth': LOCAL_MAX_BANDWIDTH, 'downtime-limit': DOWNTIME_LIMIT_MS };

export const setCaps = (qmp: QmpClient, caps: Record<string, boolean>) =>
  qmp.execute('migrate-set-capabilities', {
    capabilities: Object.entries(caps).map(([capability, state]) => ({ capability, state })),
  });

export const migrateInfoSchema = z.object({
  /** Absent before the first migration of a process: the same as `none`. */
  status: z.string().default('none'),
  downtime: z.number().optional(),
  'total-time': z.number().optional(),
  ram: z.object({ transferred: z.number(), total: z.number() }).passthrough().optional(),
  'error-desc': z.string().optional(),
});
export type MigrateInfo = z.infer<typeof migrateInfoSchema>;

export const queryMigrate = async (qmp: QmpClient): Promise<MigrateInfo> =>
  migrateInfoSchema.parse(await qmp.execute('query-migrate'));

/** Source statuses in which the migration still holds the guest (a cancel gives it back). */
export const MIGRATING = new Set(['setup', 'active', 'pre-switchover', 'device', 'cancelling', 'postcopy-active']);
