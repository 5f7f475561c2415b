// The view of one migration from its `progress` query: phase, atoms, memory copied, elapsed,
// downtime once measured. Pure, so it is tested without a server or a terminal.
import type { Progress } from '../../workflows/definitions';
import { bar, mib, seconds, stamped, type Frame } from './frame';

const label = (name: string) => name.padEnd(10);

/** `memory` is absent when the worker predates the field, null before the plan exists. */
function memoryText(p: Progress): string | null {
  return p.memory ? mib(p.memory) : null;
}

function memoryRow(p: Progress): string {
  return p.memory ? `${mib(p.memory).padEnd(16)}${bar(p.memory.copiedMiB, p.memory.totalMiB)}` : '—';
}

function disksText(p: Progress): string {
  return p.vbds.map((v) => `${v.device} (${v.early ? 'early' : 'late'}) ${v.state}`).join(' · ');
}

/** What is known only at the end (or on an abort): downtime, outcome, the abort's reason. */
function endingParts(p: Progress): string[] {
  return [
    ...(p.downtimeMs != null ? [`downtime ${Math.round(p.downtimeMs)} ms`] : []),
    ...(p.outcome ? [p.outcome] : []),
    ...(p.abortRequested !== null ? [`abort requested: ${p.abortRequested}`] : []),
  ];
}

/** The one-line form, shared by the plain view and the evacuation's rows of running VMs. */
export function migrationLine(p: Progress): string {
  const memory = memoryText(p);
  return [
    p.phase.padEnd(9),
    `atoms ${p.atomsDone}/${p.atomsTotal}`,
    ...(memory !== null ? [`memory ${memory}`] : []),
    ...endingParts(p),
  ].join('  ');
}

/** The migration's frame: `startedAt` and `now` are epoch ms (the workflow's start, the poll). */
export function migrationView(p: Progress, now: number, startedAt: number): Frame {
  const atoms = `${p.atomsDone}/${p.atomsTotal}`;
  const lines = [
    `${label('phase')}${p.phase}${p.plan ? `  (${p.plan})` : ''}`,
    `${label('atoms')}${atoms.padEnd(16)}${bar(p.atomsDone, p.atomsTotal)}`,
    `${label('memory')}${memoryRow(p)}`,
    ...(p.vbds.length > 0 ? [`${label('disks')}${disksText(p)}`] : []),
    `${label('elapsed')}${seconds(now - startedAt)}`,
    ...(p.downtimeMs != null ? [`${label('downtime')}${Math.round(p.downtimeMs)} ms`] : []),
    ...(p.outcome ? [`${label('outcome')}${p.outcome}`] : []),
    ...(p.abortRequested !== null ? [`${label('abort')}requested: ${p.abortRequested}`] : []),
  ];
  return { lines, plain: [stamped('migration', now - startedAt, migrationLine(p))] };
}
