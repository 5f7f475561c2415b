// A QEMU guest as the toolstack drives it: runstate, migration status, the event log, and waits
// that re-check on every QMP event (so a wait inside the downtime window ends the moment QEMU
// says so), heartbeat while they last and end when the caller gives up.
import { FailureType, LiveshiftError } from '../domain/errors';
import type { AtomContext } from '../domain/toolstack';
import { queryMigrate, type MigrateInfo } from './migration';
import type { QemuProcess } from './qemu-process';
import type { QmpClient, QmpEvent } from './qmp';

/** Re-check this often even without an event (events are the fast path, not the only one). */
const POLL_MS = 100;

export const cancelled = (what: string) => new LiveshiftError(FailureType.Aborted, `${what}: cancelled by the caller`);

export class Guest {
  constructor(readonly proc: QemuProcess) {}

  get qmp(): QmpClient {
    return this.proc.qmp;
  }

  async runState(): Promise<string> {
    return (await this.qmp.execute<{ status: string }>('query-status')).status;
  }

  migration(): Promise<MigrateInfo> {
    return queryMigrate(this.qmp);
  }

  /** The latest event of that name this connection has seen. */
  lastEvent(name: string): QmpEvent | undefined {
    return [...this.qmp.events].reverse().find((e) => e.event === name);
  }

  /**
   * Resolves with the first value `probe` returns (undefined: not yet). Probes at once, again on
   * every QMP event and at least every POLL_MS; heartbeats in between; rejects with Aborted when
   * ctx.signal fires and with HypervisorError after timeoutMs.
   */
  async until<T>(what: string, probe: () => Promise<T | undefined>, ctx: AtomContext, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let kicked = false;
    let wake: () => void = () => undefined;
    const off = this.qmp.onEvent(() => {
      kicked = true;
      wake();
    });
    try {
      for (;;) {
        if (ctx.signal?.aborted) throw cancelled(what);
        kicked = false;
        const value = await probe();
        if (value !== undefined) return value;
        if (Date.now() >= deadline)
          throw new LiveshiftError(FailureType.HypervisorError, `${what}: not within ${timeoutMs} ms`);
        ctx.heartbeat?.();
        if (!kicked) await this.nap(ctx.signal, (w) => (wake = w));
      }
    } finally {
      off();
    }
  }

  /** Sleeps POLL_MS, or until woken (by an event) or the signal fires. */
  private nap(signal: AbortSignal | undefined, setWake: (w: () => void) => void): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        setWake(() => undefined);
        resolve();
      };
      const timer = setTimeout(done, POLL_MS);
      signal?.addEventListener('abort', done, { once: true });
      setWake(done);
    });
  }
}
