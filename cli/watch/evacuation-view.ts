// The view of a host evacuation: a header (host, phase, caps, done/total), one row per running VM
// from its own `progress` query, and a tail of finished VMs with outcome and downtime. Pure.
import type { EvacuatedVm, EvacuationProgress } from '../../workflows/evacuation-definitions';
import type { Progress } from '../../workflows/definitions';
import { bar, mib, seconds, stamped, type Frame, type PlainLine } from './frame';
import { migrationLine } from './migration-view';

/** Finished VMs shown in the terminal frame; older ones are counted, not listed (the plain view has them all). */
export const FINISHED_TAIL = 8;
const PENDING_SHOWN = 6;

type Running = EvacuationProgress['running'][number];

function header(p: EvacuationProgress): string {
  const counts = `done ${p.finished.length}/${p.total}  running ${p.running.length}  pending ${p.pending.length}`;
  return `evacuate ${p.host}  ${p.phase.padEnd(9)}  ${counts}`;
}

function capsLine(p: EvacuationProgress): string {
  const { perSource, perDestination, pool } = p.caps;
  const runs = p.runs > 1 ? `  (run ${p.runs})` : '';
  return `caps ${perSource} per source · ${perDestination} per destination · ${pool} per pool${runs}`;
}

const route = (vm: string, to: string | null) => `${vm} → ${to ?? '—'}`;
/** A migration started ahead learns its destination with its slot: its own progress has it then. */
const destination = (r: Running, child: Progress | null) => r.to ?? child?.to ?? null;
/**
 * Waiting, or about to: a migration started ahead answers only between its slot asks, so its first
 * answer may come from before its first ask (no plan yet, and no destination known anywhere).
 */
const waiting = (r: Running, child: Progress) =>
  child.waitingForSlot || (destination(r, child) === null && child.plan === null) ? 'waiting for a slot' : null;

/** A running VM's terminal row; `child` is null until its migration first answers a query. */
function runningRow(r: Running, child: Progress | null, now: number, width: number): string {
  const head = `  ${route(r.vm, destination(r, child)).padEnd(width)}  `;
  const clock = seconds(now - r.startedAt);
  if (!child) return `${head}starting   ${clock}`;
  const queued = waiting(r, child);
  if (queued) return `${head}${queued}  ${clock}`;
  const atoms = `atoms ${child.atomsDone}/${child.atomsTotal}`.padEnd(12);
  const memory = child.memory
    ? `  memory ${bar(child.memory.copiedMiB, child.memory.totalMiB, 10)} ${mib(child.memory)}`
    : '';
  return `${head}${child.phase.padEnd(9)}  ${atoms} ${bar(child.atomsDone, child.atomsTotal, 10)}${memory}  ${clock}`;
}

function finishedText(v: EvacuatedVm): string {
  const downtime = v.downtimeMs !== null ? `  downtime ${Math.round(v.downtimeMs)} ms` : '';
  return `${route(v.vm, v.to)}  ${v.outcome}${downtime}${v.reason ? `  (${v.reason})` : ''}`;
}

function pendingLine(p: EvacuationProgress): string[] {
  if (p.pending.length === 0) return [];
  const more = p.pending.length > PENDING_SHOWN ? ` … (+${p.pending.length - PENDING_SHOWN})` : '';
  return [`pending ${p.pending.slice(0, PENDING_SHOWN).join(', ')}${more}`];
}

function finishedLines(p: EvacuationProgress): string[] {
  if (p.finished.length === 0) return [];
  const older = p.finished.length - FINISHED_TAIL;
  return [
    'finished',
    ...(older > 0 ? [`  … ${older} earlier`] : []),
    ...p.finished.slice(-FINISHED_TAIL).map((v) => `  ${finishedText(v)}`),
  ];
}

function plainLines(p: EvacuationProgress, children: Map<string, Progress | null>, elapsed: number): PlainLine[] {
  const running = p.running.map((r) => {
    const child = children.get(r.workflowId) ?? null;
    return stamped(
      `run ${r.workflowId}`,
      elapsed,
      `${route(r.vm, destination(r, child))}  ${child ? (waiting(r, child) ?? migrationLine(child)) : 'starting'}`,
    );
  });
  // Finished VMs are only appended to, so their index names them even when a VM comes up twice.
  const finished = p.finished.map((v, i) => stamped(`end ${i}`, elapsed, finishedText(v)));
  return [stamped('evacuation', elapsed, header(p)), ...running, ...finished];
}

/**
 * The evacuation's frame. `children` holds each running migration's last `progress` (by workflow
 * id; null or missing when it has not answered); `startedAt` (epoch ms) is the evacuation's start.
 */
export function evacuationView(
  p: EvacuationProgress,
  children: Map<string, Progress | null>,
  now: number,
  startedAt: number = now,
): Frame {
  const width = Math.max(
    0,
    ...p.running.map((r) => route(r.vm, destination(r, children.get(r.workflowId) ?? null)).length),
  );
  const lines = [
    `${header(p)}  ${seconds(now - startedAt)}`,
    capsLine(p),
    ...(p.abortRequested !== null ? [`abort requested: ${p.abortRequested} (running migrations finish)`] : []),
    ...(p.running.length > 0 ? ['running'] : []),
    ...p.running.map((r) => runningRow(r, children.get(r.workflowId) ?? null, now, width)),
    ...pendingLine(p),
    ...finishedLines(p),
  ];
  return { lines, plain: plainLines(p, children, now - startedAt) };
}
