// Where frames go: on a terminal, one live view redrawn in place by log-update; anywhere else (a
// pipe, a log file, CI), plain lines, one per change, with no escape codes.
import { createLogUpdate } from 'log-update';
import type { Frame } from './frame';

export interface Renderer {
  draw(frame: Frame): void;
  /** Leaves the last frame on screen and the cursor visible; safe to call more than once. */
  done(): void;
}

/** log-update hides the cursor while it draws and shows it again on done() (or at exit, via signal-exit). */
export function terminalRenderer(stream: NodeJS.WriteStream): Renderer {
  const log = createLogUpdate(stream);
  let finished = false;
  return {
    draw: (frame) => {
      if (!finished) log(frame.lines.join('\n'));
    },
    done: () => {
      if (finished) return;
      finished = true;
      log.done();
    },
  };
}

/**
 * Prints a frame's plain line again only when its state changed since it was last printed. A key
 * missing from a frame is forgotten, so a thing that comes back is printed again.
 */
export function plainRenderer(write: (line: string) => void): Renderer {
  let printed = new Map<string, string>();
  return {
    draw: (frame) => {
      const next = new Map<string, string>();
      for (const line of frame.plain) {
        next.set(line.key, line.state);
        if (printed.get(line.key) !== line.state) write(line.text);
      }
      printed = next;
    },
    done: () => undefined,
  };
}

/** A live view on a TTY, plain change lines otherwise. */
export function rendererFor(stream: NodeJS.WriteStream): Renderer {
  return stream.isTTY ? terminalRenderer(stream) : plainRenderer((line) => stream.write(`${line}\n`));
}
