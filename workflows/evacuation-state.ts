// The evacuation's observable state: what is pending, running and finished (the `progress` query),
// the abort request (the `abort` update) and the wake-ups of the scheduling loop.
import { setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import { zodMessage } from '../domain/zod-message';
import { abortArgsSchema, searchAttributes as SA } from './definitions';
import {
  evacuationAbortUpdate,
  evacuationProgressQuery,
  type EvacuatedVm,
  type EvacuationCarry,
  type EvacuationProgress,
  type EvacuationRequest,
} from './evacuation-definitions';

type Phase = EvacuationProgress['phase'];
type Running = EvacuationProgress['running'][number];

export class EvacuationState {
  phase: Phase = 'placing';
  pending: string[] = [];
  readonly running = new Map<string, Running>();
  readonly finished: EvacuatedVm[];
  /** Slots of ended migrations not yet freed in the pool (freed by the next round). */
  release: string[] = [];
  /** Children that ended without their end marker, so without freeing their slot themselves. */
  readonly withoutEndMarker = new Set<string>();
  abortReason: string | null;
  readonly runs: number;
  readonly startedAt: number;
  /** Bumped by every event the scheduling loop waits for. */
  wakes = 0;

  constructor(
    readonly request: EvacuationRequest,
    carry: EvacuationCarry | undefined,
  ) {
    this.finished = carry?.results ?? [];
    this.abortReason = carry?.abortReason ?? null;
    this.runs = carry?.runs ?? 1;
    this.startedAt = carry?.startedAt ?? Date.now();
    this.pending = carry?.pending ?? [];
  }

  installHandlers(): void {
    upsertSearchAttributes([{ key: SA.SourceHost, value: this.request.host }]);
    setHandler(evacuationProgressQuery, () => this.progress());
    setHandler(evacuationAbortUpdate, (args) => this.abort(abortArgsSchema.parse(args).reason), {
      validator: (args) => {
        const parsed = abortArgsSchema.safeParse(args);
        if (!parsed.success) throw new Error(`invalid abort arguments: ${zodMessage(parsed.error)}`);
        if (this.phase === 'done') throw new Error('the evacuation has ended');
        if (this.abortReason !== null) throw new Error(`abort already requested: ${this.abortReason}`);
      },
    });
  }

  private async abort(reason: string): Promise<{ accepted: true; pending: number }> {
    this.abortReason = reason;
    const pending = this.pending.length;
    this.skipPending(`evacuation aborted: ${reason}`);
    this.wake();
    return { accepted: true, pending };
  }

  skipPending(reason: string): void {
    for (const vm of this.pending) this.skip(vm, reason);
    this.pending = [];
  }

  skip(vm: string, reason: string): void {
    this.pending = this.pending.filter((p) => p !== vm);
    this.finished.push({
      vm,
      to: null,
      plan: this.request.plan,
      outcome: 'skipped',
      workflowId: null,
      earlyAttached: [],
      disks: 0,
      downtimeMs: null,
      startedAt: null,
      endedAt: null,
      reason,
    });
  }

  wake(): void {
    this.wakes++;
  }

  carry(): EvacuationCarry {
    return {
      results: this.finished,
      runs: this.runs + 1,
      startedAt: this.startedAt,
      abortReason: this.abortReason,
      pending: this.pending,
    };
  }

  progress(): EvacuationProgress {
    return {
      host: this.request.host,
      phase: this.phase,
      caps: this.request.caps,
      abortRequested: this.abortReason,
      total: this.pending.length + this.running.size + this.finished.length,
      pending: [...this.pending],
      running: [...this.running.values()],
      finished: [...this.finished],
      runs: this.runs,
    };
  }
}
