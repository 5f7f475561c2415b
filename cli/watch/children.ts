// The progress of an evacuation's running migrations, for its live view. Each is queried side by
// side, but none is waited for long: a migration started ahead answers only between its slot asks
// (up to 5 s), and until then one row must not hold up the others. A query still in flight is not
// asked again; its row keeps the last answer (none yet: the row says `starting`).
import type { Client } from '@temporalio/client';
import { setTimeout as delay } from 'node:timers/promises';
import type { Progress } from '../../workflows/definitions';
import { queryProgress } from './migration';

/** How long one sample waits for the migrations' answers before it draws what it has. */
export const CHILD_ANSWER_MS = 200;

export class ChildProgress {
  private readonly known = new Map<string, Progress>();
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(
    private readonly client: Pick<Client, 'workflow'>,
    private readonly answerMs = CHILD_ANSWER_MS,
  ) {}

  /** The last answer of each of `workflowIds`, after giving fresh queries `answerMs` to come in. */
  async sample(workflowIds: readonly string[]): Promise<Map<string, Progress | null>> {
    const asked = Promise.all(workflowIds.map((id) => this.ask(id)));
    await Promise.race([asked, delay(this.answerMs, undefined, { ref: false })]);
    return new Map(workflowIds.map((id) => [id, this.known.get(id) ?? null]));
  }

  private ask(workflowId: string): Promise<void> {
    const pending = this.inFlight.get(workflowId);
    if (pending) return pending;
    const query = queryProgress(this.client.workflow.getHandle(workflowId))
      .then(
        (fresh) => void this.known.set(workflowId, fresh),
        // A migration that does not answer (not started yet, or closed) keeps its last answer.
        () => undefined,
      )
      .finally(() => this.inFlight.delete(workflowId));
    this.inFlight.set(workflowId, query);
    return query;
  }
}
