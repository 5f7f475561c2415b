// In-process wake-ups for migrations waiting for a slot: the end of a migration (endMigration, a
// local activity in this same orchestrator process) frees its slot and wakes every waiter at once,
// so the next migration asks for the slot within microseconds instead of at its next poll. Waiters
// still poll, for slots freed elsewhere (another orchestrator, an evacuation's end).
export class SlotReleases {
  private readonly waiters = new Set<() => void>();

  /** A slot was freed: every waiter asks again, oldest first. */
  released(): void {
    for (const wake of [...this.waiters]) wake();
  }

  /** Resolves at the next release, or after `ms`. */
  next(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.waiters.add(wake);
    });
  }
}
