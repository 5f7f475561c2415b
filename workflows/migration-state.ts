// The workflow's observable state: phase, progress and timeline for the `progress` query, the
// abort request and the point of no return for the `abort` update, search attributes for the UI.
import { ApplicationFailure } from '@temporalio/common';
import { setCurrentDetails, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { FailureType } from '../domain/errors';
import { atomsOf, type AtomCall, type AtomResult } from '../domain/atoms';
import { atomMemoryMiB } from '../domain/latency';
import type { MigrationPlan } from '../domain/planner';
import type { Outcome } from '../domain/request';
import { zodMessage } from '../domain/zod-message';
import {
  abortArgsSchema,
  abortUpdate,
  progressQuery,
  searchAttributes as SA,
  type MigrationPhase,
  type Progress,
} from './definitions';

export class MigrationState {
  phase: MigrationPhase = 'precheck';
  abortReason: string | null = null;
  /** Set when the destination VM_unpause is dispatched: from then on, only forward. */
  pastPointOfNoReturn = false;
  outcome: Outcome | null = null;
  downtimeMs: number | null = null;
  /** An evacuation's migration started ahead of its slot, until the pool grants one. */
  waitingForSlot = false;
  onAbort: () => void = () => undefined;
  /**
   * While a direct phase runs, the runner, not this workflow, passes the point of no return: an
   * abort is then recorded in the pool first, which answers whether it came in time.
   */
  confirmAbort: ((reason: string) => Promise<'accepted' | 'too-late'>) | null = null;
  private abortPending = false;
  private plan: MigrationPlan | null = null;
  private readonly timeline: Progress['timeline'] = [];
  private readonly origin = workflowInfo().startTime.getTime();

  installHandlers(): void {
    setHandler(progressQuery, () => this.progress());
    setHandler(abortUpdate, (args) => this.requestAbort(abortArgsSchema.parse(args).reason), {
      validator: (args) => this.validateAbort(args),
    });
  }

  private validateAbort(args: unknown): void {
    const parsed = abortArgsSchema.safeParse(args);
    if (!parsed.success) throw new Error(`invalid abort arguments: ${zodMessage(parsed.error)}`);
    if (this.pastPointOfNoReturn || this.phase === 'cleanup' || this.phase === 'done')
      throw new Error(
        `too late to abort: the VM already runs on the destination (phase ${this.phase}); the migration only goes forward now`,
      );
    if (this.phase === 'rollback') throw new Error('already rolling back');
    if (this.abortReason !== null || this.abortPending)
      throw new Error(`abort already requested: ${this.abortReason ?? 'being confirmed'}`);
  }

  private async requestAbort(reason: string): Promise<{ accepted: true; phase: MigrationPhase }> {
    const phase = this.phase;
    if (this.confirmAbort) {
      this.abortPending = true;
      const verdict = await this.confirmAbort(reason).finally(() => (this.abortPending = false));
      if (verdict === 'too-late') {
        this.pastPointOfNoReturn = true;
        throw ApplicationFailure.create({
          type: FailureType.TooLate,
          nonRetryable: true,
          message:
            'too late to abort: the destination already resumed the VM (phase downtime); the migration only goes forward now',
        });
      }
    }
    this.abortReason = reason;
    this.onAbort();
    return { accepted: true, phase };
  }

  planned(plan: MigrationPlan): void {
    this.plan = plan;
    upsertSearchAttributes([
      { key: SA.VmName, value: plan.vmName },
      { key: SA.VmUuid, value: plan.vmUuid },
      { key: SA.SourceHost, value: plan.from },
      { key: SA.DestinationHost, value: plan.to },
      { key: SA.MigrationPlan, value: plan.kind },
    ]);
  }

  enter(phase: MigrationPhase): void {
    if (phase === this.phase) return;
    this.phase = phase;
    upsertSearchAttributes([{ key: SA.MigrationPhase, value: phase }]);
    setCurrentDetails(this.details());
  }

  record(call: AtomCall, outcome: { result: AtomResult } | { error: unknown }): void {
    const ms = 'result' in outcome ? Math.round(outcome.result.endMs - this.origin) : Date.now() - this.origin;
    this.timeline.push({
      atom: call.atom,
      host: call.host,
      ...(call.vbd ? { device: call.vbd.device } : {}),
      phase: call.phase,
      status: 'result' in outcome ? 'done' : 'failed',
      ms,
    });
  }

  finish(outcome: Outcome, downtimeMs: number): void {
    this.outcome = outcome;
    this.downtimeMs = downtimeMs;
    this.enter('done');
    upsertSearchAttributes([{ key: SA.DowntimeMs, value: Math.round(downtimeMs) }]);
    setCurrentDetails(this.details());
  }

  progress(): Progress {
    const vbdState = (device: string) =>
      this.timeline.filter((t) => t.device === device && t.host === this.plan?.to && t.status === 'done').at(-1)
        ?.atom ?? 'pending';
    return {
      phase: this.phase,
      plan: this.plan?.kind ?? null,
      atomsDone: this.timeline.filter((t) => t.status === 'done').length,
      atomsTotal: this.plan ? atomsOf(this.plan.plan).length : 0,
      abortRequested: this.abortReason,
      outcome: this.outcome,
      vbds: (this.plan?.decisions ?? []).map((d) => ({
        device: d.device,
        early: d.early,
        reason: d.reason,
        state: vbdState(d.device),
      })),
      timeline: [...this.timeline],
      memory: this.memory(),
      downtimeMs: this.downtimeMs,
      to: this.plan?.to ?? null,
      waitingForSlot: this.waitingForSlot,
    };
  }

  /** Computed per query, never while the workflow runs: a query's answer is not part of the history. */
  private memory(): Progress['memory'] {
    if (!this.plan) return null;
    const copies = atomsOf(this.plan.plan).filter((call) => atomMemoryMiB(call) > 0);
    const done = (call: AtomCall) =>
      this.timeline.some((t) => t.atom === call.atom && t.host === call.host && t.status === 'done');
    const sum = (calls: AtomCall[]) => Math.round(calls.reduce((a, call) => a + atomMemoryMiB(call), 0));
    return { totalMiB: sum(copies), copiedMiB: sum(copies.filter(done)) };
  }

  private details(): string {
    const p = this.progress();
    const head = this.plan
      ? `**${this.plan.vmName}** ${this.plan.from} → ${this.plan.to} (${this.plan.kind})`
      : this.waitingForSlot
        ? 'migration waiting for a slot of its evacuation'
        : 'migration';
    return `${head}\n\nphase: **${p.phase}** — atoms ${p.atomsDone}/${p.atomsTotal}${p.outcome ? ` — outcome: ${p.outcome}` : ''}`;
  }
}
