// Runs one atom against the simulated hypervisors: fault injection, preconditions, the modelled
// latency (x timeScale), then the state change and its event in one IMMEDIATE transaction. A host
// with a real hypervisor (qemu/) passes the atom's real effect, which runs in place of the sleep:
// the bookkeeping, the invariants and the faults stay the same for every backend.
import type { AtomCall, AtomResult } from '../domain/atoms';
import { FailureType, LiveshiftError } from '../domain/errors';
import { atomLatencyMs } from '../domain/latency';
import type { Pool } from '../domain/pool';
import type { AtomContext } from '../domain/toolstack';
import { mayFault, takeFault, type FiredFault } from './faults';
import { OPERATIONS } from './operations';
import { nowMs, type Db } from './db';
import { appendEvent } from './event-log';

/** Exit code of a host process killed by a `crash` fault (a supervisor restarts it). */
export const CRASH_EXIT_CODE = 86;
const HEARTBEAT_EVERY_MS = 250;

/**
 * An atom's real effect on a hypervisor, run after the preconditions held and before the state
 * change is recorded. What it returns becomes the event's `detail` (e.g. the hypervisor's own
 * measurements). It must be idempotent: a retry after a lost reply runs it again.
 */
export type AtomEffect = (call: AtomCall, ctx: AtomContext) => Promise<string | undefined>;

export async function runAtom(
  db: Db,
  pool: Pool,
  call: AtomCall,
  ctx: AtomContext,
  effect?: AtomEffect,
): Promise<AtomResult> {
  const op = OPERATIONS[call.atom];
  const startMs = nowMs();
  const fault = mayFault(db, call) ? db.transaction(() => takeFault(db, call)).immediate() : undefined;
  if (fault?.at === 'before') await inject(fault, call, ctx);
  if (op.check(db, call)) return record(db, call, startMs, true);
  let detail: string | undefined;
  if (effect) detail = await effect(call, ctx);
  // The modelled latency counts from the atom's own start, so its bookkeeping is not added to it.
  else await sleepUntil(startMs + atomLatencyMs(pool, call) * pool.timeScale, ctx);
  const result = db
    .transaction(() => {
      const noop = op.check(db, call);
      if (!noop) op.apply(db, call);
      return record(db, call, startMs, noop, detail);
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
  await sleepUntil(Number.POSITIVE_INFINITY, ctx);
}

function record(db: Db, call: AtomCall, startMs: number, noop: boolean, detail?: string): AtomResult {
  const endMs = nowMs();
  const vbd = call.vbd;
  appendEvent(db, {
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
    detail: noop ? 'noop' : call.renameTo ? `renamed to ${call.renameTo}` : detail,
  });
  return { startMs, endMs, noop };
}

/** Timers fire up to a millisecond or two late: the last stretch of a sleep yields instead. */
const SPIN_MS = 2;

/** Sleeps until `deadline` (the nowMs clock), heartbeating, and throws if the caller gives up first. */
function sleepUntil(deadline: number, { signal, heartbeat }: AtomContext): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(cancelled());
    const finite = Number.isFinite(deadline);
    // A hung atom never heartbeats: its heartbeat timeout is what catches it.
    const beat = finite && heartbeat ? setInterval(heartbeat, HEARTBEAT_EVERY_MS) : undefined;
    let timer: NodeJS.Timeout | undefined;
    let immediate: NodeJS.Immediate | undefined;
    const settle = (error?: Error) => {
      clearInterval(beat);
      clearTimeout(timer);
      if (immediate) clearImmediate(immediate);
      signal?.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve();
    };
    const onAbort = () => settle(cancelled());
    const tick = () => {
      const left = deadline - nowMs();
      if (left <= 0) return settle();
      if (left > SPIN_MS) timer = setTimeout(tick, left - SPIN_MS);
      else immediate = setImmediate(tick);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    if (finite) tick();
  });
}

const cancelled = () => new LiveshiftError(FailureType.Aborted, 'atom cancelled before it took effect');
