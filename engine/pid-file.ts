// A pid file per long-running program of the topology (the Temporal server, the Web UI), so a
// start after a crash of its parent (`liveshift up` killed) finds the orphan still holding the
// ports and stops it, instead of a new server failing to bind while the old one answers for it.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

/** The process recorded in `file`, if it still runs and its command line still names `marker`. */
function recorded(file: string, marker: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    // Not ours any more if the pid was reused by another program.
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker) ? pid : undefined;
  } catch {
    return undefined;
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Stops (SIGTERM, then SIGKILL after `graceMs`) an orphan left by an earlier start; true if there was one. */
export async function reapOrphan(file: string, marker: string, graceMs = 20_000): Promise<boolean> {
  const pid = recorded(file, marker);
  rmSync(file, { force: true });
  if (pid === undefined) return false;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (alive(pid)) process.kill(pid, 'SIGKILL');
  return true;
}

export const recordPid = (file: string, pid: number | undefined): void => {
  if (pid !== undefined) writeFileSync(file, `${pid}\n`);
};
