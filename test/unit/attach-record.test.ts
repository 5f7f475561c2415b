import { afterEach, describe, expect, it } from 'vitest';
import { FailureType, LiveshiftError } from '../../domain/errors';
import {
  decodeRecord,
  emptyRecord,
  lookupByFullVbdId,
  recordV2Schema,
  upgradeV1,
  type AttachRecordV1,
} from '../../sim/attach-record';
import type { SimPool } from '../../sim/sim-pool';
import * as store from '../../sim/store';
import { closeSims, expectFailure, openSim, planned, smallPool, stateDump } from './fixtures';

afterEach(closeSims);

const pool = smallPool();
const { m, pick } = planned(pool);
const tempId = m.tempId;
const realId = m.vmUuid;
const attached = { vdi: 'vm-1-xvda', mode: 'RW' } as const;
const v1: AttachRecordV1 = { attached_vdis: [[[tempId, 'xvda'], attached]] };

const storedRow = (sim: SimPool, domId: string) =>
  sim.db.prepare('SELECT record FROM vm_extra WHERE host = ? AND dom_id = ?').pluck().get('host-b', domId) as
    string | undefined;
const writeRow = (sim: SimPool, domId: string, text: string) =>
  sim.db.prepare('INSERT OR REPLACE INTO vm_extra VALUES (?,?,?)').run('host-b', domId, text);

/** Destination side up to the rename: domain under the temporary id, xvda attached early, renamed. */
async function attachThenRename(sim: SimPool): Promise<void> {
  for (const c of [pick('VM_create'), pick('VBD_attach', { device: 'xvda' }), pick('VM_rename')]) await sim.run(c, {});
  // The source pauses and lets go of the read-write disk, as it does inside downtime.
  for (const c of [pick('VM_suspend'), pick('VBD_deactivate', { device: 'xvda' })]) await sim.run(c, {});
}
const activate = () => pick('VBD_activate', { device: 'xvda' });

describe('the upstream rename bug (regression)', () => {
  it('an attach made under the temporary id is found by activate under the real id', async () => {
    const sim = openSim(pool);
    expect(pick('VBD_attach', { device: 'xvda' }).domId).toBe(tempId);
    expect(activate().domId).toBe(realId);
    await attachThenRename(sim);
    expect(store.domain(sim.db, 'host-b', tempId)).toBeUndefined();
    expect(store.readRecord(sim.db, 'host-b', realId)?.attachedVdis).toEqual({ xvda: attached });
    const result = await sim.run(activate(), {});
    expect(result.noop).toBe(false);
    expect(sim.attachments(realId).find((a) => a.host === 'host-b' && a.device === 'xvda')?.active).toBe(1);
  });

  it('the old full-VBD-id key loses the attachment; the device key keeps it', () => {
    expect(lookupByFullVbdId(v1, tempId, 'xvda')).toEqual(attached);
    expect(lookupByFullVbdId(v1, realId, 'xvda')).toBeUndefined();
    expect(upgradeV1(v1).attachedVdis.xvda).toEqual(attached);
    const decoded = decodeRecord(JSON.stringify(v1), 'test');
    expect(decoded).toEqual({ record: { ...emptyRecord(), attachedVdis: { xvda: attached } }, upgraded: true });
    expect(recordV2Schema.safeParse(decoded.record).success).toBe(true);
  });
});

describe('decodeRecord', () => {
  it('reads a version 2 record as is', () => {
    const v2 = { version: 2, attachedVdis: { xvdb: { vdi: 'x', mode: 'RO' } }, vifs: [0], activeVbds: ['xvdb'] };
    expect(decodeRecord(JSON.stringify(v2), 'test')).toEqual({ record: v2, upgraded: false });
  });

  it('accepts an explicit version 1 tag and an empty old record', () => {
    expect(decodeRecord(JSON.stringify({ version: 1, ...v1 }), 't').record.attachedVdis).toEqual({ xvda: attached });
    expect(decodeRecord('{"attached_vdis":[]}', 't')).toEqual({ record: emptyRecord(), upgraded: true });
  });

  it.each([
    'not json',
    '{"foo":1}',
    '{}',
    'null',
    '{"version":3,"attachedVdis":{},"vifs":[],"activeVbds":[]}',
    '{"attached_vdis":[[["id","xvda"],{"vdi":"v","mode":"rw"}]]}',
  ])('refuses %s with UnreadableRecord', (text) => {
    let caught: unknown;
    try {
      decodeRecord(text, 'dom on host-b');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(LiveshiftError);
    expect((caught as LiveshiftError).type).toBe(FailureType.UnreadableRecord);
    expect((caught as LiveshiftError).message).toContain('dom on host-b');
  });
});

describe('records stored in the old format', () => {
  it('are upgraded on read, activate succeeds, and the row is rewritten as version 2', async () => {
    const sim = openSim(pool);
    await attachThenRename(sim);
    // A record persisted by the pre-fix code: keyed by the full VBD id, under the temporary id.
    writeRow(sim, realId, JSON.stringify(v1));
    expect((await sim.run(activate(), {})).noop).toBe(false);
    const row = JSON.parse(storedRow(sim, realId)!) as unknown;
    expect(row).toEqual({ version: 2, attachedVdis: { xvda: attached }, vifs: [], activeVbds: [] });
    expect((await sim.run(activate(), {})).noop).toBe(true);
  });

  it.each(['{"foo":1}', 'not json'])(
    'an unreadable record %s makes activate fail loudly, never an empty default',
    async (text) => {
      const sim = openSim(pool);
      await attachThenRename(sim);
      writeRow(sim, realId, text);
      const before = stateDump(sim);
      await expectFailure(() => sim.run(activate(), {}), FailureType.UnreadableRecord);
      expect(stateDump(sim)).toEqual(before);
      expect(storedRow(sim, realId)).toBe(text);
      // Every other reader of the record refuses it as well.
      await expectFailure(
        () => sim.run({ ...pick('VBD_attach', { device: 'xvda' }), domId: realId }, {}),
        FailureType.UnreadableRecord,
      );
    },
  );
});
