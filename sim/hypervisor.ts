// Runs one atom against the simulated hypervisors: fault injection, preconditions, the modelled
// latency (x timeScale), then the state change and its event in one IMMEDIATE transaction.
import type { AtomCall, AtomResult } from '../domain/atoms';
import { FailureType, LiveshiftError } from '../domain/errors';
import { atomLatencyMs } from '../domain/latency';
import type { Pool } from '../domain/pool';
import type { AtomContext } from '../domain/toolstack';
import { nowMs } from './db';
import { takeFault, type FiredFault } from './faults';
import { OPERATIONS } from './operations';
import type { SimPool } from './sim-pool';

/** Exit code of a host process killed by a `crash` fault (a supervisor restarts it). */
export const CRASH_EXIT_CODE = 86;
const HEARTBEAT_EVERY_MS = 250;

export async function runAtom(sim: SimPool, pool: Pool, call: AtomCall, ctx: AtomContext): Promise<AtomResult> {
  const op = OPERATIONS[call.atom];
  const startMs = nowMs();
  const fault = sim.db.transaction(() => takeFault(sim.db, call)).immediate();
  if (fault?.at === 'before') await inject(fault, call, ctx);
  if (op.check(sim.db, call)) return record(sim, call, startMs, true);
  await sleep(atomLatencyMs(pool, call) * pool.timeScale, ctx);
  const result = sim.db
    .transaction(() => {
      const noop = op.check(sim.db, call);
      if (!noop) op.apply(sim.db, call);
      return record(sim, call, startMs, noop);
    })
    .immediate();
  // Fired after the effect: the caller never hears that the atom took effect.
  if (fault?.at === 'after') await inject(fault, call, ctx);
  return result;
}

async function inject(fault: FiredFault, call: AtomCall, ctx: AtomContext): Promise<void> {
  if (fault.effect === 'fail')
    throw new LiveshiftError(FailureType.InjectedFault, `injected fault: ${call.atom} failed on ${call.host}`);
  if (fault.effect === 'crash') {
    console.error(`host worker ${call.host}: injected crash in ${call.atom} (${fault.at} it took effect)`);
    process.exit(CRASH_EXIT_CODE);
  }
  await sleep(Number.POSITIVE_INFINITY, ctx);
}

function record(sim: SimPool, call: AtomCall, startMs: number, noop: boolean): AtomResult {
  const endMs = nowMs();
  const vbd = call.vbd;
  sim.appendEvent({
    host: call.host,
    op: call.atom,
    vmUuid: call.vmUuid,
    domId: call.domId,
    device: vbd?.device,
    vdi: vbd?.vdi,
    mode: vbd?.mode,
    migrationId: call.migrationId,
    phase: call.phase,
    startMs,
    endMs,
    detail: noop ? 'noop' : call.renameTo ? `renamed to ${call.renameTo}` : undefined,
  });
  return { startMs, endMs, noop };
}

/** Sleeps `ms`, heartbeating, and throws if the caller gives up first. */
function sleep(ms: number, { signal, heartbeat }: AtomContext): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const cancelled = () => reject(new LiveshiftError(FailureType.Aborted, 'atom cancelled before it took effect'));
    if (signal?.aborted) return cancelled();
    // A hung atom never heartbeats: its heartbeat timeout is what catches it.
    const beat = Number.isFinite(ms) && heartbeat ? setInterval(heartbeat, HEARTBEAT_EVERY_MS) : undefined;
    const timer = Number.isFinite(ms) ? setTimeout(done, Math.max(0, ms - (Date.now() - started))) : undefined;
    function done() {
      clearInterval(beat);
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }
    function onAbort() {
      clearTimeout(timer);
      clearInterval(beat);
      cancelled();
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
