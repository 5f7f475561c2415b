// Runs a plan's phases. The semantics of the plan language are domain/interpret.ts; this class
// only decides how a phase's atoms reach their hosts, as the planner marked it:
// - task-queue: one activity per atom on the host's queue `host-<name>`, with options from the
//   atom table and a summary that makes the Web UI read like the plan;
// - direct: the whole phase is one `switchover` activity whose runner calls each host's agent,
//   so no server round trip sits between two atoms of the downtime window. Its result reports
//   every atom (host, start, end) and is replayed into the same hooks.
// A migration granted an evacuation's slot runs its first step direct too, in a local activity
// (`runLeadingDirect`): the workflow task that got the slot dispatches it, not the server.
import { ApplicationFailure } from '@temporalio/common';
import { CancellationScope, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { HostActivities } from '../activities/host';
import type { SwitchoverActivities } from '../activities/switchover';
import { ATOM_TRAITS } from '../domain/atom-traits';
import { atomsOf, describeAtom, type AtomCall, type AtomResult, type Phase } from '../domain/atoms';
import { FailureType } from '../domain/errors';
import { hostTaskQueue, ORCHESTRATOR_TASK_QUEUE } from '../domain/ids';
import { interpret } from '../domain/interpret';
import { isEmptyPhase, splitLead, type PlanPhase } from '../domain/phases';
import type { SwitchoverReport } from '../domain/switchover';
import { atomOptions, leadStepOptions, switchoverOptions } from './atom-options';

export type AtomOutcome = { result: AtomResult } | { error: unknown };

export interface InterpreterHooks {
  /** Before a phase's work is dispatched (one atom, or a whole direct phase); throws to stop (an abort, say). */
  beforeDispatch(phase: Phase): void;
  /** The atom was handed to its host: from now on it may take effect. */
  dispatched(call: AtomCall): void;
  settled(call: AtomCall, outcome: AtomOutcome): void;
}

// Placeholder timeouts: every call overrides them from the atom table (executeWithOptions).
const hosts = proxyActivities<HostActivities>({ startToCloseTimeout: '1 minute' });
const runner = proxyActivities<SwitchoverActivities>({ startToCloseTimeout: '1 minute' });
const localRunner = proxyLocalActivities<SwitchoverActivities>({ startToCloseTimeout: '1 minute' });

export class Interpreter {
  /** Atoms dispatched, finished or failed: what a rollback must consider undone. */
  readonly attempted: AtomCall[] = [];
  /** The running abortable atom (pre-copy), cancelled by an abort so the rollback need not wait for it. */
  abortableScope: CancellationScope | undefined;

  constructor(
    private readonly timeScale: number,
    private readonly hooks: InterpreterHooks,
    /** False when replaying a history from before direct dispatch: every phase goes through task queues. */
    private readonly direct: boolean,
  ) {}

  async runPhase(p: PlanPhase): Promise<void> {
    if (p.dispatch === 'direct' && this.direct && !isEmptyPhase(p)) return this.switchover(p);
    return interpret(p.plan, (call) => this.atom(call));
  }

  /** The phase's first step direct, in a local activity of the orchestrator; the rest as planned. */
  async runLeadingDirect(p: PlanPhase): Promise<void> {
    const { lead, rest } = splitLead(p);
    if (!isEmptyPhase(lead)) await this.switchover(lead, 'local');
    await this.runPhase(rest);
  }

  private async atom(call: AtomCall): Promise<void> {
    this.hooks.beforeDispatch(call.phase);
    this.hooks.dispatched(call);
    this.attempted.push(call);
    const options = {
      ...atomOptions(call.atom, call.phase, this.timeScale),
      taskQueue: hostTaskQueue(call.host),
      summary: describeAtom(call),
    };
    try {
      const exec = () => hosts[call.atom].executeWithOptions(options, [call]);
      const result = ATOM_TRAITS[call.atom].abortable ? await this.abortable(exec) : await exec();
      this.hooks.settled(call, { result });
    } catch (error) {
      this.hooks.settled(call, { error });
      throw error;
    }
  }

  private async switchover(p: PlanPhase, via: 'task-queue' | 'local' = 'task-queue'): Promise<void> {
    this.hooks.beforeDispatch(p.name);
    const calls = atomsOf(p.plan);
    let report: SwitchoverReport;
    try {
      report = await this.runnerFor(p, calls, via);
    } catch (error) {
      // The runner itself failed (atom failures are in its report): any atom may have been tried.
      for (const call of calls) this.recordDispatch(call);
      throw error;
    }
    for (const { call, outcome } of report.atoms) {
      this.recordDispatch(call);
      this.hooks.settled(call, 'result' in outcome ? outcome : { error: new Error(outcome.failure.message) });
    }
    if (report.failure)
      throw ApplicationFailure.create({
        type: report.failure.type,
        message: report.failure.message,
        nonRetryable: true,
      });
  }

  private runnerFor(p: PlanPhase, calls: AtomCall[], via: 'task-queue' | 'local'): Promise<SwitchoverReport> {
    const input = { phase: p, timeScale: this.timeScale };
    if (via === 'local')
      return localRunner.leadStep.executeWithOptions(leadStepOptions(calls, this.timeScale), [input]);
    const options = { ...switchoverOptions(calls, this.timeScale), taskQueue: ORCHESTRATOR_TASK_QUEUE };
    return runner.switchover.executeWithOptions({ ...options, summary: switchoverSummary(p, calls) }, [input]);
  }

  private recordDispatch(call: AtomCall): void {
    this.hooks.dispatched(call);
    this.attempted.push(call);
  }

  private abortable<T>(work: () => Promise<T>): Promise<T> {
    const scope = new CancellationScope({ cancellable: true });
    this.abortableScope = scope;
    return scope.run(work).finally(() => (this.abortableScope = undefined));
  }
}

/** One line for the Web UI: the phase, its hosts and its atoms in order. */
function switchoverSummary(p: PlanPhase, calls: AtomCall[]): string {
  const hostsInvolved = [...new Set(calls.map((c) => c.host))].join(' + ');
  return `${p.label}: ${calls.length} atoms direct to ${hostsInvolved} — ${calls.map(describeAtom).join(', ')}`;
}

export const abortedFailure = (reason: string) =>
  ApplicationFailure.create({ type: FailureType.Aborted, nonRetryable: true, message: `aborted: ${reason}` });
