// The test guest's proof that its migrations lost nothing: every value of its counter, read from
// every serial log any of its QEMUs wrote (on every host, archived or current), appears exactly
// once, from 1 to the last. A gap would be time the guest lost; a repeat, a guest that ran twice
// from one state (two writers). The order of the logs does not matter, so none is assumed.
import { readFileSync } from 'node:fs';
import { parseCounters } from './guest-init';
import { serialLogs, vmDir } from './layout';

export interface CounterCheck {
  /** The highest value printed. */
  last: number;
  /** Values below `last` that no log shows. */
  gaps: number[];
  /** Values more than one log line shows. */
  repeats: number[];
}

export function checkGuestCounter(stateFile: string, hosts: readonly string[], vmUuid: string): CounterCheck {
  const seen = new Map<number, number>();
  for (const host of hosts)
    for (const log of serialLogs(vmDir(stateFile, host, vmUuid)))
      for (const n of parseCounters(readFileSync(log, 'latin1'))) seen.set(n, (seen.get(n) ?? 0) + 1);
  const last = Math.max(0, ...seen.keys());
  const gaps = Array.from({ length: last }, (_, i) => i + 1).filter((n) => !seen.has(n));
  const repeats = [...seen].filter(([, times]) => times > 1).map(([n]) => n);
  return { last, gaps, repeats };
}

export const counterContinuous = (c: CounterCheck): boolean => c.last > 0 && c.gaps.length + c.repeats.length === 0;

/** One line for an operator: "guest counter continuous (1..N)" or what is wrong. */
export function describeCounter(c: CounterCheck): string {
  if (counterContinuous(c)) return `guest counter continuous (1..${c.last})`;
  if (c.last === 0) return 'guest counter: nothing printed yet';
  const few = (ns: number[]) => `${ns.slice(0, 5).join(', ')}${ns.length > 5 ? ', …' : ''}`;
  return `guest counter NOT continuous up to ${c.last}: ${c.gaps.length} missing (${few(c.gaps)}), ${c.repeats.length} repeated (${few(c.repeats)})`;
}

/** Waits until every listed guest has counted to `min` (a freshly booted guest takes ~10 s under TCG). */
export async function waitForGuestCounters(
  stateFile: string,
  hosts: readonly string[],
  vmUuids: readonly string[],
  o: { min: number; timeoutMs: number },
): Promise<void> {
  const deadline = Date.now() + o.timeoutMs;
  const behind = () => vmUuids.filter((uuid) => checkGuestCounter(stateFile, hosts, uuid).last < o.min);
  while (behind().length > 0) {
    if (Date.now() > deadline)
      throw new Error(`QEMU guests not counting after ${o.timeoutMs} ms: see serial.log under ${stateFile}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
