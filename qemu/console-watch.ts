// Whether a guest runs, read from its serial console rather than asked of QEMU, whose QMP socket's
// one client is the host's process. Only the guest writes to its serial port, and the test guest
// prints its counter every 100 ms while its vCPU runs: QEMU holding it stopped (paused, incoming,
// finish-migrate, postmigrate) means not a byte. So a console that grows during a window of
// several of those periods is a guest that ran in it, and one that does not is a stopped guest (or
// a hung one, which is no better for the VM). The window lasts at least `minMs`, so that a stopped
// guest has had several periods to show itself, and ends once every guest expected to run printed.
import { statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { guestPaths, runningPid } from './qemu-process';

export interface ConsoleWindow {
  minMs: number;
  maxMs: number;
}

/** Four of the guest's periods at least; three seconds for a guest slowed by a busy machine. */
export const CONSOLE_WINDOW: ConsoleWindow = { minMs: 400, maxMs: 3_000 };
const POLL_MS = 50;

export interface ConsoleSeen {
  dir: string;
  /** The QEMU running in `dir` for the whole window. */
  pid: number;
  /** Its console grew during the window: the guest ran. */
  grew: boolean;
}

function logBytes(dir: string): number {
  try {
    return statSync(guestPaths(dir).serial).size;
  } catch {
    return 0;
  }
}

/**
 * Watches the consoles of the QEMUs running in `dirs` (directories without one are left out) until
 * every one of `expected` grew, or `window.maxMs` passed. A QEMU replaced during the window (another
 * pid) did not grow: a fresh guest's log is a new file.
 */
export async function watchConsoles(
  dirs: readonly string[],
  expected: readonly string[],
  window: ConsoleWindow = CONSOLE_WINDOW,
): Promise<ConsoleSeen[]> {
  const start = Date.now();
  const first = new Map<string, { pid: number; bytes: number }>();
  for (const dir of dirs) {
    const pid = runningPid(dir);
    if (pid !== null) first.set(dir, { pid, bytes: logBytes(dir) });
  }
  const grew = (dir: string): boolean => {
    const f = first.get(dir);
    return f !== undefined && logBytes(dir) > f.bytes && runningPid(dir) === f.pid;
  };
  for (;;) {
    const elapsed = Date.now() - start;
    if (elapsed >= window.maxMs || (elapsed >= window.minMs && expected.every(grew))) break;
    await sleep(POLL_MS);
  }
  return [...first].map(([dir, f]) => ({ dir, pid: f.pid, grew: grew(dir) }));
}
