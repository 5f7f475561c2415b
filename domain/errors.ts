// Failure types: named constants shared by the simulated pool, activities, workflows and CLI.
// They travel as Temporal ApplicationFailure `type`s, so they are compared as strings, never by
// class name.
export const FailureType = {
  BadRequest: 'BadRequest',
  InvariantViolation: 'InvariantViolation',
  NoAttachRecord: 'NoAttachRecord',
  UnreadableRecord: 'UnreadableRecord',
  PreconditionFailed: 'PreconditionFailed',
  InjectedFault: 'InjectedFault',
  Aborted: 'Aborted',
  /** An abort that came after the destination resumed the VM. */
  TooLate: 'TooLate',
  /** Direct dispatch: the host's agent did not answer within the phase's host wait. */
  HostUnreachable: 'HostUnreachable',
  /** A real hypervisor (QEMU) did not answer or went away: retryable, unlike a refused command. */
  HypervisorError: 'HypervisorError',
  /** An evacuation's migration that never got a slot (unplaceable, or aborted first): nothing was done. */
  NotStarted: 'NotStarted',
} as const;
export type FailureType = (typeof FailureType)[keyof typeof FailureType];

/** Failures a retry cannot cure: the interpreter stops at once and rolls back. */
export const NON_RETRYABLE_FAILURES: readonly FailureType[] = [
  FailureType.BadRequest,
  FailureType.InvariantViolation,
  FailureType.NoAttachRecord,
  FailureType.UnreadableRecord,
  FailureType.PreconditionFailed,
];

/** Base of every typed error thrown outside the workflow sandbox. */
export class LiveshiftError extends Error {
  constructor(
    readonly type: FailureType,
    message: string,
  ) {
    super(message);
    this.name = type;
  }
}
