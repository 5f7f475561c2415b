// Pools the benchmark generates. Atoms inside the downtime window keep the documented latency
// model (timeScale 1); only slow steps outside it are shortened, so a series of hundreds of
// migrations fits in minutes. The overrides are printed with the results.
import type { PoolInput } from '../domain/pool';
import { TWO_SHARED_SRS } from '../sim/storage-presets';

export const DISK_COUNTS = [1, 2, 4, 8] as const;

/** Outside the window only: attach is on the legacy plan's path, so it stays a storage attach. */
export const SHORTENED_LATENCY_MS = {
  'zfs-vol': { attach: 300, detach: 100 },
  VM_create: 50,
  VIF_plug: 50,
  VM_destroy: 50,
};

const disks = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    device: `xvd${String.fromCharCode(97 + i)}`,
    sr: 'v3',
    // The last of several disks is read-only: activation keeps read-write before read-only.
    mode: n > 1 && i === n - 1 ? ('RO' as const) : ('RW' as const),
  }));

/** One VM per disk count (SMAPIv3 disks), on two hosts. */
export function diskCountPool(name: string): PoolInput {
  return {
    name,
    timeScale: 1,
    hosts: [{ name: 'host-a' }, { name: 'host-b' }],
    ...TWO_SHARED_SRS,
    latencyMs: SHORTENED_LATENCY_MS,
    vms: DISK_COUNTS.map((n) => ({
      name: `disks-${n}`,
      residentOn: 'host-a',
      memoryMiB: 256,
      dirtyRateMiBps: 20,
      vifs: 1,
      vbds: disks(n),
    })),
  };
}

/** `count` small VMs spread over four hosts, for migrations started all at once. */
export function throughputPool(name: string, count: number): PoolInput {
  const hosts = ['host-a', 'host-b', 'host-c', 'host-d'];
  return {
    name,
    timeScale: 1,
    hosts: hosts.map((h) => ({ name: h })),
    ...TWO_SHARED_SRS,
    latencyMs: SHORTENED_LATENCY_MS,
    vms: Array.from({ length: count }, (_, i) => ({
      name: `vm-${String(i).padStart(3, '0')}`,
      residentOn: hosts[i % hosts.length]!,
      memoryMiB: 256,
      dirtyRateMiBps: 20,
      vifs: 1,
      vbds: [
        { device: 'xvda', sr: 'v3', mode: 'RW' as const },
        { device: 'xvdb', sr: 'v1', mode: 'RW' as const },
      ],
    })),
  };
}

export interface EvacuationPoolShape {
  sources: number;
  destinations: number;
  vmsPerSource: number;
  timeScale: number;
}

/**
 * Hosts to drain and hosts to receive. Destinations are named `dst-*` so they sort before the
 * `src-*` sources: placement breaks ties by name, so a round run before another evacuation has
 * marked its source can never pick that source as a destination. Small VMs alternate between one
 * early-attachable disk and one more that attaches inside the window, so migrations differ in length.
 */
export function evacuationPool(name: string, shape: EvacuationPoolShape): PoolInput {
  const sources = Array.from({ length: shape.sources }, (_, i) => `src-${i + 1}`);
  const destinations = Array.from({ length: shape.destinations }, (_, i) => `dst-${i + 1}`);
  return {
    name,
    timeScale: shape.timeScale,
    hosts: [...destinations, ...sources].map((h) => ({ name: h })),
    ...TWO_SHARED_SRS,
    latencyMs: SHORTENED_LATENCY_MS,
    vms: sources.flatMap((host, s) =>
      Array.from({ length: shape.vmsPerSource }, (_, i) => ({
        name: `vm-${s + 1}-${String(i).padStart(3, '0')}`,
        residentOn: host,
        memoryMiB: 128,
        dirtyRateMiBps: 10,
        vifs: 1,
        vbds: [
          { device: 'xvda', sr: 'v3', mode: 'RW' as const },
          ...(i % 2 === 1 ? [{ device: 'xvdb', sr: 'v1', mode: 'RW' as const }] : []),
        ],
      })),
    ),
  };
}
