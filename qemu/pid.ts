// Processes found by pid file, as QEMU guests are after the Node process that started them is gone.
import { existsSync, readFileSync } from 'node:fs';

export function readPid(path: string): number | null {
  if (!existsSync(path)) return null;
  const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

/** Alive and not a zombie waiting to be reaped. */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

export function cmdlineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

/**
 * The pid in `pidFile` if that process runs and its command line contains `marker`: a pid file
 * outlives its process, and the pid may since belong to something else.
 */
export function runningPidOf(pidFile: string, marker: string): number | null {
  const pid = readPid(pidFile);
  return pid !== null && isRunning(pid) && cmdlineOf(pid).includes(marker) ? pid : null;
}

export function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** SIGKILL, then wait (up to timeoutMs) until the process is gone; false if it is still there. */
export async function killAndWait(pid: number, timeoutMs = 2_000): Promise<boolean> {
  killQuietly(pid);
  const deadline = Date.now() + timeoutMs;
  while (isRunning(pid)) {
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}
