// Every recorded history in test/histories/ must replay against today's workflow code without
// nondeterminism. A change that breaks one goes behind patched() (docs/design.md §6).
import { Worker } from '@temporalio/worker';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PATCHES } from '../../workflows/patches';
import { testTarget } from '../helpers/server';

const dir = join(__dirname, '..', 'histories');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

interface HistoryEvent {
  markerRecordedEventAttributes?: { markerName?: string; details?: Record<string, { payloads?: { data?: string }[] }> };
}

/** The patch ids a history recorded: each patched() leaves a `core_patch` marker with its id. */
function patchesIn(file: string): string[] {
  const { events } = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { events: HistoryEvent[] };
  return events.flatMap((e) => {
    const marker = e.markerRecordedEventAttributes;
    if (marker?.markerName !== 'core_patch') return [];
    const data = marker.details?.['patch-data']?.payloads?.[0]?.data ?? '';
    const decoded = JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as { id: string } | string;
    return [typeof decoded === 'string' ? decoded : decoded.id];
  });
}

/** The four migrations scripts/record-histories.ts records, under one tag. */
const migrationRecordings = (tag: string): string[] =>
  ['early-attach-aborted-in-downtime', 'early-attach-migrated', 'early-attach-rolled-back', 'legacy-migrated'].map(
    (name) => `${name}.${tag}.json`,
  );

describe('replay of recorded histories', () => {
  it('has an early-attach history and a rolled-back history', () => {
    expect(files).toEqual(expect.arrayContaining(['early-attach-migrated.json', 'early-attach-rolled-back.json']));
  });

  it('covers the rollback path from before and after the verify-rollback patch', () => {
    const rolledBack = files.filter((f) => f.startsWith('early-attach-rolled-back'));
    const withMarker = rolledBack.filter((f) => patchesIn(f).includes(PATCHES.verifyRollback));
    expect(withMarker).toContain('early-attach-rolled-back.verified-rollback.json');
    expect(rolledBack.length - withMarker.length).toBeGreaterThanOrEqual(1);
  });

  it('covers direct dispatch: migrations of both plans, a rollback and an abort inside the window', () => {
    const direct = files.filter((f) => patchesIn(f).includes(PATCHES.directDispatch));
    expect(direct).toEqual(expect.arrayContaining(migrationRecordings('direct-dispatch')));
    // ... and histories from before it, which dispatched every atom through the hosts' task queues.
    expect(files.length - direct.length).toBeGreaterThanOrEqual(4);
  });

  it('covers an evacuation from before and after the wait-own-slots patch, and one that continued as new', () => {
    const evacuations = files.filter((f) => f.startsWith('evacuation-drained'));
    const patchedOnes = evacuations.filter((f) => patchesIn(f).includes(PATCHES.evacuationWaitOwnSlots));
    expect(patchedOnes).toEqual(['evacuation-drained.wait-own-slots.json']);
    expect(evacuations).toContain('evacuation-drained.json');
    expect(files).toEqual(
      expect.arrayContaining(['evacuation-continued-as-new.evacuation.json', 'evacuation-evacuated.evacuation.json']),
    );
  });

  it('covers the one-step end (both plans, a rollback, an abort in the window) and histories from before it', () => {
    const oneStep = files.filter((f) => patchesIn(f).includes(PATCHES.endInOneStep));
    expect(oneStep).toEqual(expect.arrayContaining(migrationRecordings('end-in-one-step')));
    expect(files.filter((f) => f.startsWith('early-attach-migrated')).length).toBeGreaterThan(1);
  });

  it('covers an evacuation that queues its migrations ahead of their slots, both runs, and such a migration', () => {
    const queued = files.filter((f) => patchesIn(f).includes(PATCHES.evacuationQueue));
    expect(queued.sort()).toEqual([
      'evacuation-continued-as-new.queued-migrations.json',
      'evacuation-evacuated.queued-migrations.json',
    ]);
    expect(files).toContain('evacuation-child-migrated.queued-migrations.json');
  });

  it('covers an evacuation migration that ran its first step direct when granted its slot', () => {
    const lead = files.filter((f) => patchesIn(f).includes(PATCHES.slotLeadDirect));
    expect(lead).toEqual(['evacuation-child-migrated.slot-lead-direct.json']);
    // ... beside one from before it, which dispatched that step to the destination's task queue.
    expect(files).toContain('evacuation-child-migrated.queued-migrations.json');
  });

  it.each(files)('%s replays without nondeterminism', async (file) => {
    const history: unknown = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    await expect(
      Worker.runReplayHistory({ workflowBundle: { codePath: testTarget().workflowBundlePath } }, history, file),
    ).resolves.toBeUndefined();
  });
});
