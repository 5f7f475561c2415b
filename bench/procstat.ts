// What a process has used so far, read from /proc (Linux): CPU time and peak resident memory.
import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

/** User + system CPU time of a process, in ms; undefined when it cannot be read. */
export function cpuMs(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime are fields 14 and 15 of stat; after the command name they are 12 and 13.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** Peak resident set size (VmHWM) in MiB; undefined when it cannot be read. */
export function peakRssMiB(pid: number): number | undefined {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmHWM:\s+(\d+) kB/m);
    return line ? Number(line[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** CPU ms of a process that may not exist (NaN prints as a dash). */
export const cpuOf = (pid: number | undefined) => (pid === undefined ? Number.NaN : (cpuMs(pid) ?? Number.NaN));

export function hostPids(hosts: Map<string, { pid: number | undefined }>): Record<string, number | undefined> {
  return Object.fromEntries([...hosts].map(([name, p]) => [name, p.pid]));
}

/** Peak RSS per named process. */
export function peaks(pids: Record<string, number | undefined>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(pids).map(([name, pid]) => [name, pid === undefined ? Number.NaN : (peakRssMiB(pid) ?? Number.NaN)]),
  );
}
