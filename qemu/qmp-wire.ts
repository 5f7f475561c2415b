// QMP's wire: the JSON shapes QEMU sends, the client's named errors, and the connect loop.
import { connect, type Socket } from 'node:net';
import { z } from 'zod';

/** QEMU answered a command with `{"error":{"class","desc"}}`. */
export class QmpError extends Error {
  override name = 'QmpError';
  constructor(
    readonly command: string,
    readonly qmpClass: string,
    readonly desc: string,
  ) {
    super(`${command}: ${qmpClass}: ${desc}`);
  }
}

/** The monitor socket closed (QEMU exited or the client was closed) with work still pending. */
export class QmpClosedError extends Error {
  override name = 'QmpClosedError';
}

/** The socket could not be reached for a reason retrying will not cure. */
export class QmpConnectError extends Error {
  override name = 'QmpConnectError';
}

/** No reply, event or socket within the bound given. */
export class QmpTimeoutError extends Error {
  override name = 'QmpTimeoutError';
}

export interface QmpEvent {
  event: string;
  data: Record<string, unknown>;
  /** QEMU's wall-clock stamp (seconds + microseconds) in fractional milliseconds. */
  timestampMs: number;
}

export const timestampSchema = z.object({ seconds: z.number(), microseconds: z.number() });
export const eventSchema = z.object({
  event: z.string(),
  data: z.record(z.unknown()).default({}),
  timestamp: timestampSchema,
});
export const errorSchema = z.object({
  id: z.string().optional(),
  error: z.object({ class: z.string(), desc: z.string() }),
});
export const returnSchema = z.object({ id: z.string().optional(), return: z.unknown() });
export const greetingSchema = z.object({ QMP: z.object({ version: z.unknown(), capabilities: z.array(z.string()) }) });

/** QEMU creates the listening socket some time after it starts: retry ENOENT/ECONNREFUSED. */
export async function connectWithRetry(path: string, deadline: number): Promise<Socket> {
  for (;;) {
    try {
      return await new Promise<Socket>((resolve, reject) => {
        const s = connect(path);
        s.once('connect', () => {
          s.removeListener('error', reject);
          resolve(s);
        });
        s.once('error', reject);
      });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = `cannot connect to QMP socket ${path}: ${code ?? String(err)}`;
      if (code !== 'ENOENT' && code !== 'ECONNREFUSED') throw new QmpConnectError(why);
      if (Date.now() >= deadline) throw new QmpTimeoutError(why);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
