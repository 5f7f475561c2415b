// Processes found by pid file, as QEMU guests are after the Node process that started them is gone.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';

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

/**
 * Spawns `binary` in a session of its own with its output appended to `logPath`, and lets Node exit
 * without it: the process outlives the one that started it (a VM, or the storage it serves, must not
 * stop with an orchestrator). `exited` resolves with why, if it fails to start or exits; callers race
 * it against their own readiness check.
 */
export function spawnDetached(
  binary: string,
  argv: string[],
  logPath: string,
): { pid: number | undefined; exited: Promise<string> } {
  const log = openSync(logPath, 'a');
  const child = spawn(binary, argv, { detached: true, stdio: ['ignore', log, log] });
  closeSync(log);
  child.unref();
  const exited = new Promise<string>((resolve) => {
    child.once('error', (err) => resolve(`could not start (${err.message})`));
    child.once('exit', (code, signal) => resolve(`exited at start (code ${code}, signal ${signal})`));
  });
  return { pid: child.pid, exited };
}

/** The last lines of a process's log, for an error message. */
export function logTail(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim().split('\n').slice(-5).join(' | ');
  } catch {
    return '(no log)';
  }
}
