// Every recorded history in test/histories/ must replay against today's workflow code without
// nondeterminism. A change that breaks one goes behind patched() (DESIGN §6).
import { Worker } from '@temporalio/worker';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PATCHES } from '../../workflows/patches';
import { testTarget } from '../helpers/server';

const dir = join(__dirname, '..', 'histories');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

describe('replay of recorded histories', () => {
  it('has an early-attach history and a rolled-back history', () => {
    expect(files).toEqual(expect.arrayContaining(['early-attach-migrated.json', 'early-attach-rolled-back.json']));
  });

  it('covers the rollback path from before and after the verify-rollback patch', () => {
    // A patched() marker is recorded with the patch id in its payload (base64 JSON).
    const marker = Buffer.from(JSON.stringify(PATCHES.verifyRollback)).toString('base64');
    const rolledBack = files.filter((f) => f.startsWith('early-attach-rolled-back'));
    const withMarker = rolledBack.filter((f) => readFileSync(join(dir, f), 'utf8').includes(marker));
    expect(withMarker).toEqual(['early-attach-rolled-back.verified-rollback.json']);
    expect(rolledBack.length - withMarker.length).toBeGreaterThanOrEqual(1);
  });

  it.each(files)('%s replays without nondeterminism', async (file) => {
    const history: unknown = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    await expect(
      Worker.runReplayHistory({ workflowBundle: { codePath: testTarget().workflowBundlePath } }, history, file),
    ).resolves.toBeUndefined();
  });
});
