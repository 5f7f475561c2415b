// The watch loop: query, draw, wait ~250 ms, until the watched run settles or the operator stops
// watching. Whatever happens, the renderer is finished, so the last frame stays and the cursor shows.
import { withQueryError, type Frame } from './frame';
import { rendererFor, type Renderer } from './render';

export const POLL_INTERVAL_MS = 250;

export interface WatchOptions {
  renderer: Renderer;
  intervalMs?: number;
  /** Stops watching (not the run): Ctrl-C by default, see interruptOnSigint(). */
  signal?: AbortSignal;
}

export interface Watched<R> {
  /** Fresh queries made into a frame; a rejection is shown under the last frame, then retried. */
  sample: () => Promise<Frame>;
  /** The run's result; its settling ends the loop. */
  run: Promise<R>;
  /** The last frame, from the finished run; on a rejection the last sampled frame stays. */
  final: (result: R) => Promise<Frame>;
}

export type WatchEnd<R> = { kind: 'finished'; result: R } | { kind: 'interrupted' };

type Settled<R> = { ok: true; value: R } | { ok: false; error: unknown };
const STOPPED = Symbol('stopped');
const TICK = Symbol('tick');

const sleep = (ms: number) => new Promise<typeof TICK>((resolve) => setTimeout(() => resolve(TICK), ms));

function stopped(signal: AbortSignal | undefined): Promise<typeof STOPPED> {
  return new Promise((resolve) => {
    if (signal?.aborted) resolve(STOPPED);
    signal?.addEventListener('abort', () => resolve(STOPPED), { once: true });
  });
}

/** Draws until `run` settles; rethrows its failure after the renderer is done. */
export async function watch<R>(w: Watched<R>, o: WatchOptions): Promise<WatchEnd<R>> {
  const settled: Promise<Settled<R>> = w.run.then(
    (value) => ({ ok: true, value }),
    (error: unknown) => ({ ok: false, error }),
  );
  const stop = stopped(o.signal);
  let last: Frame | null = null;
  try {
    for (;;) {
      // A query still in flight when the run ends or the operator stops is not waited for.
      const sample = w.sample().then(
        (frame) => (last = frame),
        (err: unknown) => withQueryError(last, err),
      );
      const drawn = await Promise.race([sample, settled, stop]);
      if (drawn === STOPPED) return { kind: 'interrupted' };
      if ('ok' in drawn) return await finish(w, drawn, o.renderer);
      o.renderer.draw(drawn);
      const next = await Promise.race([sleep(o.intervalMs ?? POLL_INTERVAL_MS), settled, stop]);
      if (next === STOPPED) return { kind: 'interrupted' };
      if (next !== TICK) return await finish(w, next, o.renderer);
    }
  } finally {
    o.renderer.done();
  }
}

async function finish<R>(w: Watched<R>, s: Settled<R>, renderer: Renderer): Promise<WatchEnd<R>> {
  if (!s.ok) throw s.error;
  // Without a final frame the last sampled one stays: the run's result is what matters now.
  const frame = await w.final(s.value).catch(() => null);
  if (frame) renderer.draw(frame);
  return { kind: 'finished', result: s.value };
}

/**
 * An abort signal raised by Ctrl-C while watching; dispose() gives SIGINT back. `on`, not `once`:
 * log-update's exit hook (signal-exit) kills the process itself when it finds its listener alone,
 * which a `once` listener, removed as it fires, would let it do before the watch could stop.
 */
export function interruptOnSigint(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.on('SIGINT', onSigint);
  return { signal: controller.signal, dispose: () => process.off('SIGINT', onSigint) };
}

/** Runs a watch with, unless given, the view on stdout (rendererFor) and Ctrl-C as the way to stop watching. */
export async function withWatchDefaults<T>(
  o: Partial<WatchOptions>,
  body: (o: WatchOptions) => Promise<T>,
): Promise<T> {
  const sigint = o.signal ? null : interruptOnSigint();
  try {
    const renderer = o.renderer ?? rendererFor(process.stdout);
    return await body({ renderer, intervalMs: o.intervalMs, signal: o.signal ?? sigint?.signal });
  } finally {
    sigint?.dispose();
  }
}
