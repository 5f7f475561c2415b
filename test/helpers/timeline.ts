// Reading a migration result's atom timeline.
import { coveredMs } from '../../domain/measure';
import type { MigrationResult } from '../../domain/request';

/** Time inside the downtime window during which at least one VBD_attach was running. */
export function attachOnDowntimePath(r: MigrationResult): number {
  const attaches = r.atoms.filter((a) => a.atom === 'VBD_attach' && a.inDowntime);
  const suspend = r.atoms.find((a) => a.atom === 'VM_suspend');
  const unpause = r.atoms.find((a) => a.atom === 'VM_unpause' && suspend !== undefined && a.endMs >= suspend.endMs);
  if (!suspend || !unpause) return 0;
  return coveredMs(attaches, suspend.endMs, unpause.endMs);
}
