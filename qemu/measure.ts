// QEMU's own measurements of a migration, carried in the pool's event log (the `detail` of the
// atoms that saw them) so a test, a report or the demo can read them with the atoms' timings:
// the source's STOP and the destination's RESUME (QEMU wall clock, ms), and what the source's
// `query-migrate` says once the switchover completed.
import { z } from 'zod';
import type { SimEvent } from '../domain/events';

export const qemuMeasureSchema = z
  .object({
    /** The source's STOP event: the guest paused (the real downtime starts). */
    stopMs: z.number(),
    /** The RESUME event that ended the pause (destination, or source after a rollback). */
    resumeMs: z.number(),
    /** query-migrate `downtime` on the source. */
    downtimeMs: z.number(),
    /** query-migrate `ram.transferred` on the source. */
    ramTransferredBytes: z.number(),
    /** query-migrate `total-time` on the source. */
    totalTimeMs: z.number(),
  })
  .partial();
export type QemuMeasure = z.infer<typeof qemuMeasureSchema>;

const detailSchema = z.object({ qemu: qemuMeasureSchema });

/** An event detail carrying measurements (undefined fields are left out). */
export const qemuDetail = (m: QemuMeasure): string => JSON.stringify({ qemu: m });

export function parseQemuDetail(detail: string | null): QemuMeasure | undefined {
  if (detail === null || !detail.startsWith('{')) return undefined;
  try {
    const parsed = detailSchema.safeParse(JSON.parse(detail));
    return parsed.success ? parsed.data.qemu : undefined;
  } catch {
    return undefined;
  }
}

export interface QemuTiming extends QemuMeasure {
  migrationId: string;
  vmUuid: string;
  /** RESUME − STOP: how long the guest really stood still. */
  stopToResumeMs?: number;
}

/** One entry per migration that recorded QEMU measurements, in log order. */
export function qemuTimings(events: readonly SimEvent[]): QemuTiming[] {
  const byMigration = new Map<string, QemuTiming>();
  for (const e of events) {
    const m = parseQemuDetail(e.detail);
    if (!m || e.migrationId === null) continue;
    const t = byMigration.get(e.migrationId) ?? { migrationId: e.migrationId, vmUuid: e.vmUuid };
    byMigration.set(e.migrationId, { ...t, ...m });
  }
  return [...byMigration.values()].map((t) =>
    t.stopMs !== undefined && t.resumeMs !== undefined ? { ...t, stopToResumeMs: t.resumeMs - t.stopMs } : t,
  );
}
