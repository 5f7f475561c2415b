// Post-migration checks shared by the failure tests: where the VM runs, what is left attached,
// and what the audit of the whole event log says.
import { expect } from 'vitest';
import type { MigrationResult } from '../../domain/request';
import { audit } from '../../sim/audit';
import type { Stack } from '../../workers/stack';

export function expectRolledBackCleanly(stack: Stack, r: MigrationResult): void {
  expect(r.outcome).toBe('rolled-back');
  expect(stack.sim.runningOn(r.vmUuid)).toEqual([r.from]);
  expect(stack.sim.attachments(r.vmUuid).filter((a) => a.host !== r.from)).toEqual([]);
  expect(
    stack.sim
      .attachments(r.vmUuid)
      .filter((a) => a.host === r.from)
      .every((a) => a.active === 1),
  ).toBe(true);
  expect(audit(stack.sim.events())).toEqual([]);
}
