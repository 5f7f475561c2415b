// Workflow-code changes guarded by patched(), so histories recorded before them still replay
// (test/histories/). Once no execution from before a change can remain, deprecatePatch() it.
export const PATCHES = {
  /** After a rollback, ask the hosts where the VM runs before reporting `rolled-back`. */
  verifyRollback: 'verify-rollback-residence',
  /**
   * Phases the planner marks `direct` (the downtime window, a rollback's restore) run as one
   * switchover activity calling the hosts' agents; pool queries are local activities; an abort
   * during a direct phase is confirmed by the pool.
   */
  directDispatch: 'direct-dispatch',
  /**
   * A rollback unpauses a source that stops the guest itself at the end of pre-copy (QEMU) once
   * its VM_precopy was tried, not only after VM_suspend (domain/rollback.ts).
   */
  unpauseAfterPrecopy: 'unpause-after-precopy',
  /**
   * An evacuation whose own migrations fill its per-source cap waits for one of them to end, with
   * no polling timer: no other evacuation can free a slot it could use (docs/performance.md).
   */
  evacuationWaitOwnSlots: 'evacuation-wait-own-slots',
  /**
   * An evacuation starts its next migrations ahead of their slots; each asks the pool for its slot
   * and destination when one frees (workflows/evacuation-queue.ts), instead of the evacuation's
   * scheduling rounds placing them (workflows/evacuation-rounds.ts).
   */
  evacuationQueue: 'evacuation-queued-migrations',
  /**
   * A migration's end is one local activity that writes the end marker (stamped when written, and
   * freeing an evacuation's slot there) and then measures, instead of measuring first and writing
   * the marker with the workflow task's time in a second one.
   */
  endInOneStep: 'end-marker-measured-once',
  /**
   * A migration granted an evacuation's slot runs its first step (the destination VM_create) direct,
   * in a local activity of the workflow task that got the slot, instead of an activity dispatched
   * through the server to the destination's task queue.
   */
  slotLeadDirect: 'slot-lead-direct',
} as const;
