// The `qemu` backend behind the Toolstack port: the simulated pool's bookkeeping (state, events,
// invariants, faults: sim/hypervisor.ts) with each atom's real effect on this host's QEMU guests
// (qemu/effects.ts) in place of the modelled latency. One per host process. A guest's QMP socket
// serves one client, so this one connects lazily, on the first atom for a guest: a hot standby
// (workers/standby.ts) holds no connection until it takes over, and then adopts every guest.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { AtomCall, AtomResult } from '../domain/atoms';
import { FailureType, LiveshiftError } from '../domain/errors';
import type { AtomContext, Toolstack } from '../domain/toolstack';
import type { SimPool } from '../sim/sim-pool';
import { refused, type Effect, type EffectEnv } from './effect-env';
import { effectEvenIfRecorded, effectOf } from './effects';
import { cancelled, Guest } from './guest';
import { archiveSerialLog, vmDir } from './layout';
import { killAndWait } from './pid';
import { QemuProcess, runningPid } from './qemu-process';
import { QmpError } from './qmp';
import { diskOf, guestRuntime, vmDisks, vmGuestSpec, vmOf } from './vm-spec';

/** How long `quit` may take before SIGKILL. */
const QUIT_MS = 5_000;

export class QemuToolstack implements Toolstack {
  private readonly guests = new Map<string, Promise<Guest>>();
  /** Effects on one guest run one at a time (a retry never overlaps the attempt it replaces). */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly sim: SimPool,
    readonly host: string,
  ) {}

  async run(call: AtomCall, ctx: AtomContext): Promise<AtomResult> {
    const result = await this.sim.runWithEffect(call, ctx, (c, x) => this.effect(c, x, effectOf(c)));
    const anyway = result.noop ? effectEvenIfRecorded(call) : undefined;
    // After the no-op's event: QEMU's state lags the pool's here, not the other way round.
    if (anyway) await this.effect(call, ctx, anyway);
    return result;
  }

  /** Drops every QMP connection; the guests run on (a restarted host process adopts them). */
  async close(): Promise<void> {
    const held = await Promise.allSettled([...this.guests.values()]);
    this.guests.clear();
    await Promise.all(held.flatMap((g) => (g.status === 'fulfilled' ? [g.value.qmp.close()] : [])));
  }

  private async effect(call: AtomCall, ctx: AtomContext, effect: Effect): Promise<string | undefined> {
    if (call.host !== this.host) throw refused(call, `sent to the toolstack of ${this.host}`);
    const env = this.envFor(call, ctx);
    return this.serial(env.dir, async () => {
      if (ctx.signal?.aborted) throw cancelled(call.atom);
      try {
        return await effect(env);
      } catch (err) {
        throw asLiveshiftError(err, call);
      }
    });
  }

  private envFor(call: AtomCall, ctx: AtomContext): EffectEnv {
    const dir = vmDir(this.sim.file, this.host, call.vmUuid);
    return {
      call,
      ctx,
      dir,
      guest: () => this.guest(dir),
      startIncoming: () => this.startIncoming(dir, call),
      stopGuest: (how) => this.stopGuest(dir, how),
      disk: (device) => diskOf(vmDisks(this.sim.config(), this.sim.file, vmOf(this.sim.config(), call.vmName)), device),
      dirOn: (host) => vmDir(this.sim.file, host, call.vmUuid),
    };
  }

  private serial<T>(key: string, work: () => Promise<T>): Promise<T> {
    const run = (this.queues.get(key) ?? Promise.resolve()).catch(() => undefined).then(work);
    const tail = run.catch(() => undefined);
    this.queues.set(key, tail);
    void tail.then(() => this.queues.get(key) === tail && this.queues.delete(key));
    return run;
  }

  /** The guest in `dir`, adopted (QMP connected) on first use and forgotten when its socket closes. */
  private guest(dir: string): Promise<Guest> {
    const held = this.guests.get(dir);
    if (held) return held;
    return this.hold(dir, QemuProcess.adopt(dir));
  }

  private hold(dir: string, starting: Promise<QemuProcess>): Promise<Guest> {
    const guest = starting.then((proc) => new Guest(proc));
    this.guests.set(dir, guest);
    const forget = () => this.guests.get(dir) === guest && this.guests.delete(dir);
    guest.then((g) => g.qmp.closed.then(forget), forget).catch(() => undefined);
    return guest;
  }

  private async startIncoming(dir: string, call: AtomCall): Promise<Guest> {
    if (runningPid(dir) !== null) {
      const state = await (await this.guest(dir)).runState();
      if (state !== 'inmigrate') throw refused(call, `a guest of ${call.vmName} already runs here (${state})`);
      // An incoming guest of an earlier attempt: nothing has reached it yet (pre-copy follows VM_create).
      await this.stopGuest(dir, 'kill');
    }
    const pool = this.sim.config();
    const vm = vmOf(pool, call.vmName);
    archiveSerialLog(dir);
    rmSync(join(dir, 'mig.sock'), { force: true });
    const spec = vmGuestSpec(guestRuntime(), dir, vm, vmDisks(pool, this.sim.file, vm), true);
    return this.hold(dir, QemuProcess.start(spec));
  }

  private async stopGuest(dir: string, how: 'quit' | 'kill'): Promise<void> {
    const pid = runningPid(dir);
    const held = await this.guests.get(dir)?.catch(() => undefined);
    this.guests.delete(dir);
    if (held) await (how === 'quit' ? held.proc.stop(QUIT_MS) : held.proc.kill());
    else if (pid !== null) {
      // Not connected (this process never touched it): quitting would need a QMP connection first.
      if (!(await killAndWait(pid))) throw new Error(`QEMU ${pid} in ${dir} survived SIGKILL`);
    }
  }
}

/** A QEMU that refused a command will refuse it again; one that went silent or away may be back. */
function asLiveshiftError(err: unknown, call: AtomCall): LiveshiftError {
  if (err instanceof LiveshiftError) return err;
  const where = `${call.atom} on ${call.host}`;
  if (err instanceof QmpError) return new LiveshiftError(FailureType.PreconditionFailed, `${where}: ${err.message}`);
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return new LiveshiftError(FailureType.HypervisorError, `${where}: ${message}`);
}
