// What the QEMU fault tests watch while a migration runs: the pool's event log (an atom's event is
// appended when it took effect), the destination's migration socket (has the source connected?),
// and the write lock on a disk image, sampled every few milliseconds.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SimEvent } from '../../domain/events';
import { imageWriters } from '../../qemu/image-locks';
import type { SimPool } from '../../sim/sim-pool';

export async function waitUntil(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const eventsAfter = (sim: SimPool, seq: number): SimEvent[] => sim.events().filter((e) => e.seq > seq);

/** Waits for `op` on `host` to have taken effect (its event), after event `seq`. */
export async function eventAfter(sim: SimPool, seq: number, op: string, host: string): Promise<SimEvent> {
  let found: SimEvent | undefined;
  const seen = () => (found = eventsAfter(sim, seq).find((e) => e.op === op && e.host === host)) !== undefined;
  await waitUntil(seen, 60_000, `${op} on ${host}`);
  return found!;
}

/**
 * Connections to the migration socket in a guest dir, accepted or still queued: /proc/net/unix
 * lists them with the listener's path and a state other than the listener's own (01, unconnected).
 * A queued one is enough for the source to be sending: the kernel buffers until it is accepted.
 */
export function migrationConnections(dir: string): number {
  const socket = join(dir, 'mig.sock');
  return readFileSync('/proc/net/unix', 'utf8')
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f[7] === socket && f[5] !== '01').length;
}

export interface WriterSampler {
  /** Stops sampling; each sample is the pids holding the image's write lock at that moment. */
  stop(): number[][];
}

/** Samples the image's writers every `everyMs` (a /proc read, synchronous: about a millisecond). */
export function sampleWriters(image: string, everyMs: number): WriterSampler {
  const samples: number[][] = [imageWriters(image)];
  const timer = setInterval(() => samples.push(imageWriters(image)), everyMs);
  return {
    stop() {
      clearInterval(timer);
      samples.push(imageWriters(image));
      return samples;
    },
  };
}
