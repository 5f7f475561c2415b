// A QMP client over a unix socket: newline-delimited JSON, one command in flight per id, events
// fanned out to subscribers. Events can arrive before the reply to the command that caused them
// (`migrate` sends MIGRATION{setup}, `cont` sends RESUME before `{"return":{}}`), so waiters are
// armed first and the command sent second. QEMU stamps every event with its own wall clock; the
// log keeps those stamps because downtime is measured from one process's STOP to another's RESUME.
import type { Socket } from 'node:net';
import type { z } from 'zod';
import {
  QmpClosedError,
  QmpError,
  QmpTimeoutError,
  connectWithRetry,
  errorSchema,
  eventSchema,
  greetingSchema,
  returnSchema,
  type QmpEvent,
} from './qmp-wire';

export { QmpClosedError, QmpConnectError, QmpError, QmpTimeoutError, type QmpEvent } from './qmp-wire';

interface Pending {
  command: string;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

interface Waiter {
  matches: (e: QmpEvent) => boolean;
  resolve: (e: QmpEvent) => void;
  reject: (err: Error) => void;
}

const EVENT_LOG_SIZE = 256;
const DEFAULT_COMMAND_TIMEOUT_MS = 30_000;

export class QmpClient {
  /** The last EVENT_LOG_SIZE events, oldest first. */
  readonly events: QmpEvent[] = [];
  /** Settles when the socket has closed, for whatever reason. */
  readonly closed: Promise<void>;
  private buffer = '';
  private nextId = 1;
  private readonly pending = new Map<string, Pending>();
  private readonly waiters = new Set<Waiter>();
  private readonly listeners = new Set<(e: QmpEvent) => void>();
  private greeting: ((err?: Error) => void) | null = null;
  private isClosed = false;

  private constructor(
    private readonly socket: Socket,
    readonly path: string,
  ) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('error', () => undefined); // 'close' follows and reports it
    this.closed = new Promise((resolve) => socket.once('close', () => resolve(this.onClose())));
  }

  /** Connects (retrying until the socket exists, within timeoutMs), reads the greeting, negotiates. */
  static async connect(path: string, timeoutMs = 10_000): Promise<QmpClient> {
    const deadline = Date.now() + timeoutMs;
    const socket = await connectWithRetry(path, deadline);
    const client = new QmpClient(socket, path);
    try {
      await client.awaitGreeting(Math.max(1, deadline - Date.now()));
      await client.execute('qmp_capabilities');
    } catch (err) {
      client.socket.destroy();
      throw err;
    }
    return client;
  }

  /** Sends a command and resolves with its `return` value; rejects with QmpError on `error`. */
  execute<T = unknown>(command: string, args?: Record<string, unknown>, timeoutMs = DEFAULT_COMMAND_TIMEOUT_MS) {
    if (this.isClosed) return Promise.reject(new QmpClosedError(`${command}: QMP socket ${this.path} is closed`));
    const id = `ls-${this.nextId++}`;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new QmpTimeoutError(`${command}: no reply within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { command, resolve: resolve as (v: unknown) => void, reject, timer });
      this.socket.write(JSON.stringify({ execute: command, ...(args ? { arguments: args } : {}), id }) + '\n');
    });
  }

  /**
   * Resolves with the next event named `name` (matching `predicate`) seen from now on. Arm it
   * before sending the command that triggers the event. The returned promise is marked handled so
   * that a wait armed and then abandoned (its command failed) is not an unhandled rejection.
   */
  waitEvent(name: string, predicate: (data: Record<string, unknown>) => boolean = () => true, timeoutMs = 30_000) {
    if (this.isClosed) return Promise.reject(new QmpClosedError(`waiting for ${name}: QMP socket is closed`));
    const promise = new Promise<QmpEvent>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new QmpTimeoutError(`no ${name} event within ${timeoutMs} ms`));
      }, timeoutMs);
      const settle = () => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      const waiter: Waiter = {
        matches: (e) => e.event === name && predicate(e.data),
        resolve: (e) => {
          settle();
          resolve(e);
        },
        reject: (err) => {
          settle();
          reject(err);
        },
      };
      this.waiters.add(waiter);
    });
    promise.catch(() => undefined);
    return promise;
  }

  /** Waits for MIGRATION{status} (needs the `events` capability on this side). */
  waitMigration(status: string, timeoutMs = 30_000): Promise<QmpEvent> {
    return this.waitEvent('MIGRATION', (d) => d.status === status, timeoutMs);
  }

  /** Calls listener for every event until the returned function is called. */
  onEvent(listener: (e: QmpEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Closes the connection; QEMU keeps running. */
  async close(): Promise<void> {
    if (!this.isClosed) this.socket.end();
    const timer = setTimeout(() => this.socket.destroy(), 1_000);
    await this.closed;
    clearTimeout(timer);
  }

  private awaitGreeting(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new QmpTimeoutError(`no QMP greeting within ${timeoutMs} ms`)), timeoutMs);
      this.greeting = (err) => {
        clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      };
    });
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl).trim();
      this.buffer = this.buffer.slice(nl + 1);
      if (line) this.onLine(line);
    }
  }

  /** A line that is not QMP means the peer is not QEMU's monitor: drop the connection. */
  private onLine(line: string): void {
    try {
      this.onMessage(JSON.parse(line) as unknown);
    } catch (err) {
      this.socket.destroy(err as Error);
    }
  }

  private onMessage(msg: unknown): void {
    if (typeof msg !== 'object' || msg === null) return;
    if ('QMP' in msg) {
      greetingSchema.parse(msg);
      this.greeting?.();
      this.greeting = null;
    } else if ('event' in msg) this.onQmpEvent(eventSchema.parse(msg));
    else if ('error' in msg) {
      const { id, error } = errorSchema.parse(msg);
      const p = this.take(id);
      p?.reject(new QmpError(p.command, error.class, error.desc));
    } else if ('return' in msg) {
      const { id, return: value } = returnSchema.parse(msg);
      this.take(id)?.resolve(value);
    }
  }

  /** The call a reply answers; none if it timed out already (or the reply carries no id). */
  private take(id: string | undefined): Pending | undefined {
    const p = id === undefined ? undefined : this.pending.get(id);
    if (p) {
      this.pending.delete(id!);
      clearTimeout(p.timer);
    }
    return p;
  }

  private onQmpEvent(raw: z.infer<typeof eventSchema>): void {
    const { seconds, microseconds } = raw.timestamp;
    const e: QmpEvent = { event: raw.event, data: raw.data, timestampMs: seconds * 1000 + microseconds / 1000 };
    this.events.push(e);
    if (this.events.length > EVENT_LOG_SIZE) this.events.shift();
    for (const w of [...this.waiters]) if (w.matches(e)) w.resolve(e);
    // A subscriber's bug must not look like a protocol error (which drops the connection).
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // ignored: the listener's own concern
      }
    }
  }

  private onClose(): void {
    this.isClosed = true;
    const err = () => new QmpClosedError(`QMP socket ${this.path} closed`);
    this.greeting?.(err());
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(err());
    }
    this.pending.clear();
    for (const w of [...this.waiters]) w.reject(err());
  }
}
