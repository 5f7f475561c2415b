// One host's part of a direct phase, seen from the runner (agent/delegate.ts): sent ahead, started
// on its turn, and — if the host is lost in the middle — resumed where the host stopped, each atom
// that was in flight counting one attempt, what the host's journal shows done never sent again.
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { atomsOf, type AtomCall, type Phase, type Plan } from '../domain/atoms';
import { FailureType } from '../domain/errors';
import { atomKey, withoutAtoms, type HostRun as HostLeaf } from '../domain/interpret';
import { backoffMs, PHASE_POLICY } from '../domain/phase-policy';
import type { ReportedAtom } from '../domain/switchover';
import type { AgentClient } from './client';
import { AgentRefused, AgentUnreachable, DispatchFailed, failureInfo } from './errors';
import type { Journal } from './journal';
import type { AgentLine, End } from './protocol';
import { unreachable, UNREACHABLE_POLL_MS } from './retry';
import type { OpenRun } from './stream';

export interface DirectOptions {
  client: AgentClient;
  journal?: Journal;
  signal?: AbortSignal;
}

export class HostRun {
  readonly runId = randomUUID();
  private readonly host: string;
  private readonly sub: Plan;
  private ahead: OpenRun | undefined;
  private readonly calls: Map<string, AtomCall>;
  private readonly phase: Phase;
  private readonly lost = new Map<string, number>();
  private readonly done = new Set<string>();
  private inFlight = new Set<string>();
  /** A failure the host reported before the stream broke: the run has failed, do not resend. */
  private failure: DispatchFailed | undefined;

  private readonly client: AgentClient;
  private readonly signal: AbortSignal | undefined;

  constructor(
    leaf: HostLeaf,
    private readonly timeScale: number,
    private readonly o: DirectOptions,
    private readonly report: ReportedAtom[],
  ) {
    this.client = o.client;
    this.signal = o.signal;
    this.host = leaf.host;
    this.sub = leaf.plan;
    const calls = atomsOf(leaf.plan);
    this.calls = new Map(calls.map((c) => [atomKey(c), c]));
    this.phase = calls[0]?.phase ?? 'downtime';
  }

  sendAhead(handoff?: { url: string; runId: string }): void {
    const body = { plan: this.sub, timeScale: this.timeScale, runId: this.runId, ...(handoff ? { handoff } : {}) };
    this.ahead = this.client.open(this.host, body, (l) => this.onLine(l), this.signal);
  }

  dropIfUnused(): void {
    this.ahead?.cancel();
  }

  /** The first try goes with the plan sent ahead; a retry sends what is left. */
  private attempt(remaining: Plan): Promise<End> {
    const ahead = this.ahead;
    this.ahead = undefined;
    if (ahead && remaining === this.sub) {
      ahead.go();
      return ahead.done;
    }
    ahead?.cancel();
    return this.client.runPlan(
      this.host,
      { plan: remaining, timeScale: this.timeScale },
      (l) => this.onLine(l),
      this.signal,
    );
  }

  async run(): Promise<void> {
    const { hostWaitMs, retry } = PHASE_POLICY[this.phase];
    const waitMs = hostWaitMs === undefined ? Number.POSITIVE_INFINITY : hostWaitMs * Math.max(1, this.timeScale);
    let remaining: Plan | undefined = this.sub;
    let unreachableSince: number | undefined;
    let losses = 0;
    while (remaining) {
      this.inFlight = new Set();
      try {
        const end = await this.attempt(remaining);
        if (end.failure) throw new DispatchFailed(end.failure.type, end.failure.message, 0);
        return;
      } catch (err) {
        if (err instanceof DispatchFailed || err instanceof AgentRefused || this.signal?.aborted)
          throw this.giveUp(err);
        if (err instanceof AgentUnreachable) {
          unreachableSince ??= Date.now();
          const waited = Date.now() - unreachableSince;
          const first = atomsOf(remaining)[0];
          if (waited >= waitMs && first) throw this.giveUp(unreachable(first, waited, err, 0));
          await delay(UNREACHABLE_POLL_MS);
          continue;
        }
        unreachableSince = undefined;
        if (this.failure) throw this.giveUp(this.failure);
        this.recoverFromJournal();
        this.countLost(retry.maximumAttempts, err);
        remaining = withoutAtoms(remaining, this.done);
        await delay(backoffMs(retry, ++losses));
      }
    }
  }

  private onLine(l: AgentLine): void {
    if ('started' in l) this.inFlight.add(l.started);
    if (!('settled' in l)) return;
    const { key, attempts, outcome } = l.settled;
    const call = this.calls.get(key);
    if (!call) return;
    this.inFlight.delete(key);
    this.report.push({ call, attempts: attempts + (this.lost.get(key) ?? 0), outcome });
    if ('result' in outcome) this.done.add(key);
    else this.failure = new DispatchFailed(outcome.failure.type, outcome.failure.message, attempts);
  }

  /** Atoms the host recorded as done though their report never came: done, with the host's timing. */
  private recoverFromJournal(): void {
    const first = [...this.calls.values()][0];
    if (!this.o.journal || !first) return;
    const recorded = this.o.journal(first.migrationId, this.phase);
    for (const [key, call] of this.calls) {
      const result = recorded.get(key);
      if (!result || this.done.has(key)) continue;
      this.done.add(key);
      this.inFlight.delete(key);
      const attempts = (this.lost.get(key) ?? 0) + 1;
      this.report.push({ call, attempts, outcome: { result } });
    }
  }

  /** The atoms in flight when the host was lost may have run: each costs an attempt. */
  private countLost(maximumAttempts: number | undefined, err: unknown): void {
    for (const key of this.inFlight) this.lost.set(key, (this.lost.get(key) ?? 0) + 1);
    const spent = [...this.lost.entries()].find(
      ([key, n]) => !this.done.has(key) && n >= (maximumAttempts ?? Infinity),
    );
    if (spent) {
      const message = `${this.calls.get(spent[0])?.atom ?? 'an atom'} on ${this.host} was lost ${spent[1]} times: ${failureInfo(err).message}`;
      throw this.giveUp(new DispatchFailed(FailureType.HostUnreachable, message, spent[1]));
    }
  }

  /** Atoms lost and never settled are reported too: they may have taken effect, a rollback must consider them. */
  private giveUp(err: unknown): unknown {
    const settled = new Set(this.report.map((r) => atomKey(r.call)));
    for (const [key, n] of this.lost) {
      const call = this.calls.get(key);
      if (!call || settled.has(key)) continue;
      this.report.push({
        call,
        attempts: n,
        outcome: { failure: { type: 'AttemptLost', message: `lost with ${this.host}` } },
      });
    }
    for (const key of this.inFlight) {
      const call = this.calls.get(key);
      if (call && !settled.has(key) && !this.lost.has(key))
        this.report.push({
          call,
          attempts: 1,
          outcome: { failure: { type: 'AttemptLost', message: `lost with ${this.host}` } },
        });
    }
    return err;
  }
}
