// The storage every generated pool (tests, benchmark) uses: one shared SR per decision the
// planner can take — SMAPIv3 (its disks attach early) and SMAPIv1 (attached inside the window).
import type { PoolInput } from '../domain/pool';

export const TWO_SHARED_SRS: Pick<PoolInput, 'sms' | 'srs'> = {
  sms: [
    { type: 'zfs-vol', requiredApiVersion: '3.0' },
    { type: 'nfs', requiredApiVersion: '1.0' },
  ],
  srs: [
    { name: 'v3', type: 'zfs-vol', shared: true },
    { name: 'v1', type: 'nfs', shared: true },
  ],
};
