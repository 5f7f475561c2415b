// Workflow-code changes guarded by patched(), so histories recorded before them still replay
// (test/histories/). Once no execution from before a change can remain, deprecatePatch() it.
export const PATCHES = {
  /** After a rollback, ask the hosts where the VM runs before reporting `rolled-back`. */
  verifyRollback: 'verify-rollback-residence',
} as const;
