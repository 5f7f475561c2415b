// The destination's per-VM record of what it attached (upstream "VmExtra" with `attached_vdis`).
//
// Version 2 keys `attachedVdis` by device alone, so VM_rename (which moves the record from the
// temporary id to the real id) cannot orphan the entries inside it. Version 1 — the upstream
// format before the fix — keyed them by the full VBD id `[vmId, device]`. Old records are upgraded
// explicitly; a record that is neither is an error, never an empty default (upstream's decoder fell
// back to empty and silently lost attachments).
import { z } from 'zod';
import { FailureType, LiveshiftError } from '../domain/errors';

const attachedSchema = z.object({ vdi: z.string(), mode: z.enum(['RW', 'RO']) }).strict();

export const recordV2Schema = z
  .object({
    version: z.literal(2),
    attachedVdis: z.record(z.string(), attachedSchema),
    vifs: z.array(z.number().int()),
    activeVbds: z.array(z.string()),
  })
  .strict();
export type AttachRecord = z.infer<typeof recordV2Schema>;

/** Upstream's old layout: a list of ((vm id, device), attachment) pairs. */
export const recordV1Schema = z
  .object({
    version: z.literal(1).optional(),
    attached_vdis: z.array(z.tuple([z.tuple([z.string(), z.string()]), attachedSchema])),
  })
  .strict();
export type AttachRecordV1 = z.infer<typeof recordV1Schema>;

export const emptyRecord = (): AttachRecord => ({ version: 2, attachedVdis: {}, vifs: [], activeVbds: [] });

export function upgradeV1(old: AttachRecordV1): AttachRecord {
  const attachedVdis: AttachRecord['attachedVdis'] = {};
  for (const [[, device], attached] of old.attached_vdis) attachedVdis[device] = attached;
  return { ...emptyRecord(), attachedVdis };
}

/** Decodes a stored record; `upgraded` tells the caller to write the v2 form back. */
export function decodeRecord(text: string, where: string): { record: AttachRecord; upgraded: boolean } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new LiveshiftError(FailureType.UnreadableRecord, `attach record of ${where} is not JSON`);
  }
  const v2 = recordV2Schema.safeParse(raw);
  if (v2.success) return { record: v2.data, upgraded: false };
  const v1 = recordV1Schema.safeParse(raw);
  if (v1.success) return { record: upgradeV1(v1.data), upgraded: true };
  throw new LiveshiftError(
    FailureType.UnreadableRecord,
    `attach record of ${where} matches no known version: ${v2.error.issues[0]?.message ?? 'invalid'}`,
  );
}

/** What the pre-fix code did on VBD_activate: look up the full VBD id. Kept to prove the bug. */
export function lookupByFullVbdId(old: AttachRecordV1, vmId: string, device: string) {
  return old.attached_vdis.find(([[id, dev]]) => id === vmId && dev === device)?.[1];
}
