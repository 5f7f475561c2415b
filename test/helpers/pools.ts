// Pools used by the tests. Names differ per scenario so workflow ids never collide across files.
import type { PoolInput } from '../../domain/pool';
import { TWO_SHARED_SRS } from '../../sim/storage-presets';

export function e2ePool(name: string, overrides: Partial<PoolInput> = {}): PoolInput {
  return {
    name,
    timeScale: 1,
    hosts: [{ name: 'host-a' }, { name: 'host-b' }],
    ...TWO_SHARED_SRS,
    vms: [
      {
        name: 'vm-1',
        residentOn: 'host-a',
        memoryMiB: 256,
        dirtyRateMiBps: 20,
        vifs: 1,
        vbds: [
          { device: 'xvda', sr: 'v3', mode: 'RW' },
          { device: 'xvdb', sr: 'v3', mode: 'RW' },
          { device: 'xvdc', sr: 'v1', mode: 'RW' },
        ],
      },
    ],
    ...overrides,
  };
}
