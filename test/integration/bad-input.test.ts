// Bad input, everywhere (the cases of test/helpers/bad-inputs.ts, which docs/bad-input.md lists):
// pool files and CLI arguments are one line on stderr, exit 2, nothing changed; workflow inputs
// started directly with the Temporal CLI fail fast and non-retryably with the zod message; bad abort
// arguments are rejected by the update validator and the migration goes on.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MigrationHandle } from '../../client/migrations';
import { ensureTemporalCli } from '../../cli/temporal-server';
import type { Stack } from '../../workers/stack';
import {
  ABORT_CASES,
  ABORT_TARGET,
  abortProblems,
  badInputPool,
  CLI_CASES,
  cliProblems,
  planDecisions,
  POOL_CASES,
  poolProblems,
  runAbortCase,
  runCliCase,
  runPoolCase,
  runWorkflowInputCase,
  WORKFLOW_FAIL_FAST_MS,
  WORKFLOW_INPUT_CASES,
  workflowProblems,
  type Target,
} from '../helpers/bad-inputs';
import { stackFor, testTarget } from '../helpers/server';
import { waitForPhase } from '../helpers/wait';

const named = <C extends { name: string }>(cases: C[]): [string, C][] => cases.map((c) => [c.name, c]);

describe('bad input', () => {
  let stack: Stack;
  let t: Target;
  beforeAll(async () => {
    stack = await stackFor(badInputPool());
    t = {
      address: testTarget().address,
      client: stack.client,
      sim: stack.sim,
      stateFile: stack.stateFile,
      dir: mkdtempSync(join(tmpdir(), 'liveshift-bad-input-')),
      temporalCli: ensureTemporalCli(),
    };
  });
  afterAll(async () => {
    await stack.stop();
    rmSync(t.dir, { recursive: true, force: true });
  });

  describe('pool files (liveshift up --fresh --pool F on the running pool)', () => {
    it.each(named(POOL_CASES.filter((c) => !c.valid)))('%s: one line, exit 2, nothing changed', async (_name, c) => {
      const o = await runPoolCase(c, t);
      expect(o.code).toBe(2);
      expect(o.stderrLines).toHaveLength(1);
      expect(o.stderrLines[0]).toMatch(/^liveshift: pool file /);
      expect(o.stderrLines[0]).toContain(o.file);
      expect(o.stderrLines[0]).toMatch(c.message);
      expect(o.eventsAfter).toBe(o.eventsBefore);
      expect(o.poolAfter).toBe(o.poolBefore);
      expect(o.migrationsAfter).toBe(o.migrationsBefore);
      expect(poolProblems(c, o)).toEqual([]);
    });

    it.each(named(POOL_CASES.filter((c) => c.valid)))('%s: accepted by plan', async (_name, c) => {
      const o = await runPoolCase(c, t);
      expect(o.code).toBe(0);
      expect(planDecisions(o.stdout)).toMatch(c.message);
      expect(poolProblems(c, o)).toEqual([]);
    });
  });

  describe('CLI arguments', () => {
    it.each(named(CLI_CASES))('%s: one line, exit 2, nothing changed', async (_name, c) => {
      const o = await runCliCase(c, t);
      expect(o.code).toBe(2);
      expect(o.stderrLines).toHaveLength(1);
      expect(o.stderrLines[0]).toMatch(c.message);
      expect(o.eventsAfter).toBe(o.eventsBefore);
      expect(o.migrationsAfter).toBe(o.migrationsBefore);
      expect(o.workflowStarted).toBe(false);
      expect(o.stateFileCreated).toBe(false);
      expect(cliProblems(o, c.message)).toEqual([]);
    });
  });

  describe('workflow inputs started with `temporal workflow start`', () => {
    it.each(named(WORKFLOW_INPUT_CASES))(
      '%s: FAILED fast, non-retryable BadRequest with the message',
      async (_name, c) => {
        const o = await runWorkflowInputCase(c, t);
        expect(o.startCode).toBe(0);
        expect(o.status).toBe('FAILED');
        expect(o.elapsedMs).toBeLessThan(WORKFLOW_FAIL_FAST_MS);
        expect(o.message).toMatch(c.message);
        expect(o.failureType).toBe('BadRequest');
        expect(o.nonRetryable).toBe(true);
        expect(o.workflowTaskFailures).toBe(0);
        expect(o.maxWorkflowTaskAttempt).toBe(1);
        if (c.firstTask) expect(o.workflowTasks).toBe(1);
        expect(o.retried).toBe(false);
        expect(o.eventsAfter).toBe(o.eventsBefore);
        expect(workflowProblems(c, o)).toEqual([]);
      },
    );
  });

  describe('abort update arguments on a running migration', () => {
    let handle: MigrationHandle;
    beforeAll(async () => {
      handle = await stack.start(ABORT_TARGET);
      await waitForPhase(handle, 'precopy');
    });

    it.each(named(ABORT_CASES))('%s: rejected, nothing recorded', async (_name, c) => {
      const o = await runAbortCase(c, t, handle);
      expect(o.rejected).toBe(true);
      expect(o.message).toMatch(c.message);
      if (c.cli) {
        expect(o.code).toBe(2);
        expect(o.stderrLines).toHaveLength(1);
      }
      expect(o.abortRequestedAfter).toBeNull();
      expect(o.phaseAfter).not.toBe('rollback');
      expect(abortProblems(c, o)).toEqual([]);
    });

    it('the migration still completes as migrated', async () => {
      const r = await handle.result();
      expect(r.outcome).toBe('migrated');
      expect(r).toMatchObject({ vm: 'big', from: 'host-a', to: 'host-b' });
    });
  });
});
