// Every recorded history in test/histories/ must replay against today's workflow code without
// nondeterminism. A change that breaks one goes behind patched() (DESIGN §6).
import { Worker } from '@temporalio/worker';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testTarget } from '../helpers/server';

const dir = join(__dirname, '..', 'histories');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

describe('replay of recorded histories', () => {
  it('has an early-attach history and a rolled-back history', () => {
    expect(files).toEqual(expect.arrayContaining(['early-attach-migrated.json', 'early-attach-rolled-back.json']));
  });

  it.each(files)('%s replays without nondeterminism', async (file) => {
    const history: unknown = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    await expect(Worker.runReplayHistory({ workflowBundle: { codePath: testTarget().workflowBundlePath } }, history, file)).resolves.toBeUndefined();
  });
});
