// The one interpreter of plans: Serial steps run in order, Parallel steps together. Each atom is
// one activity on its host's task queue, with options from the atom table and a summary that
// makes the Web UI read like the plan.
import { ApplicationFailure } from '@temporalio/common';
import { CancellationScope, proxyActivities } from '@temporalio/workflow';
import type { HostActivities } from '../activities/host';
import { describeAtom, type AtomCall, type AtomResult, type Plan } from '../domain/atoms';
import { FailureType } from '../domain/errors';
import { hostTaskQueue } from '../domain/ids';
import { atomOptions } from './atom-options';

export interface InterpreterHooks {
  /** Throws to stop before the atom is dispatched (an abort, say). */
  beforeAtom(call: AtomCall): void;
  afterAtom(call: AtomCall, outcome: { result: AtomResult } | { error: unknown }): void;
}

// Placeholder timeouts: every call overrides them from the atom table (executeWithOptions).
const hosts = proxyActivities<HostActivities>({ startToCloseTimeout: '1 minute' });

export class Interpreter {
  /** Atoms dispatched, finished or failed: what a rollback must consider undone. */
  readonly attempted: AtomCall[] = [];
  /** The running pre-copy, cancelled by an abort so the rollback need not wait for it. */
  precopyScope: CancellationScope | undefined;

  constructor(
    private readonly timeScale: number,
    private readonly hooks: InterpreterHooks,
  ) {}

  async run(plan: Plan): Promise<void> {
    if (plan.kind === 'atom') return this.atom(plan.call);
    if (plan.kind === 'serial') {
      for (const step of plan.steps) await this.run(step);
      return;
    }
    // Let every branch settle before reporting a failure: a rollback must not race an attach.
    const settled = await Promise.allSettled(plan.steps.map((s) => this.run(s)));
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
  }

  private async atom(call: AtomCall): Promise<void> {
    this.hooks.beforeAtom(call);
    this.attempted.push(call);
    const options = {
      ...atomOptions(call.atom, call.phase, this.timeScale),
      taskQueue: hostTaskQueue(call.host),
      summary: describeAtom(call),
    };
    try {
      const exec = () => hosts[call.atom].executeWithOptions(options, [call]);
      const result = call.atom === 'VM_precopy' ? await this.inScope(exec) : await exec();
      this.hooks.afterAtom(call, { result });
    } catch (error) {
      this.hooks.afterAtom(call, { error });
      throw error;
    }
  }

  private inScope<T>(work: () => Promise<T>): Promise<T> {
    const scope = new CancellationScope({ cancellable: true });
    this.precopyScope = scope;
    return scope.run(work).finally(() => (this.precopyScope = undefined));
  }
}

export const abortedFailure = (reason: string) =>
  ApplicationFailure.create({ type: FailureType.Aborted, nonRetryable: true, message: `aborted: ${reason}` });
