// Row-level access to the simulated hypervisors' state. Every function takes the open database
// so callers can group reads and writes inside one IMMEDIATE transaction.
import { stmt, type Db } from './db';
import { decodeRecord, emptyRecord, type AttachRecord } from './attach-record';

export type DomainState = 'created' | 'running' | 'suspended';
export interface DomainRow {
  host: string;
  dom_id: string;
  vm_uuid: string;
  vm_name: string;
  state: DomainState;
}
export interface AttachmentRow {
  host: string;
  vdi: string;
  vm_uuid: string;
  device: string;
  mode: 'RW' | 'RO';
  active: number;
}

export function domain(db: Db, host: string, domId: string): DomainRow | undefined {
  return stmt(db, 'SELECT * FROM domains WHERE host = ? AND dom_id = ?').get(host, domId) as DomainRow | undefined;
}

export function domainsOfVm(db: Db, vmUuid: string): DomainRow[] {
  return stmt(db, 'SELECT * FROM domains WHERE vm_uuid = ? ORDER BY host').all(vmUuid) as DomainRow[];
}

/**
 * Every VM's residence, read in one pass (the rule of SimPool.residence): the host running it,
 * else the host holding its real-id domain. One query instead of one per VM: `domains` has no
 * index on vm_uuid, so a snapshot of n VMs cost n table scans — 15 ms for 200 VMs, inside each
 * evacuation round's write transaction.
 */
export function residences(db: Db): Map<string, string> {
  const rows = stmt(db, 'SELECT host, dom_id, vm_uuid, state FROM domains ORDER BY host').all() as DomainRow[];
  const running = new Map<string, string>();
  const realId = new Map<string, string>();
  for (const d of rows) {
    if (d.state === 'running' && !running.has(d.vm_uuid)) running.set(d.vm_uuid, d.host);
    if (d.dom_id === d.vm_uuid && !realId.has(d.vm_uuid)) realId.set(d.vm_uuid, d.host);
  }
  for (const [uuid, host] of realId) if (!running.has(uuid)) running.set(uuid, host);
  return running;
}

export function attachment(db: Db, host: string, vdi: string, vmUuid: string): AttachmentRow | undefined {
  return stmt(db, 'SELECT * FROM vdi_attachments WHERE host = ? AND vdi = ? AND vm_uuid = ?').get(host, vdi, vmUuid) as
    AttachmentRow | undefined;
}

export function attachmentsOfVm(db: Db, vmUuid: string): AttachmentRow[] {
  return stmt(db, 'SELECT * FROM vdi_attachments WHERE vm_uuid = ? ORDER BY host, device').all(
    vmUuid,
  ) as AttachmentRow[];
}

export function activeElsewhere(db: Db, vdi: string, host: string): AttachmentRow | undefined {
  return stmt(db, `SELECT * FROM vdi_attachments WHERE vdi = ? AND host != ? AND active = 1 AND mode = 'RW'`).get(
    vdi,
    host,
  ) as AttachmentRow | undefined;
}

/** Reads a domain's attach record; an old-format record is upgraded and written back at once. */
export function readRecord(db: Db, host: string, domId: string): AttachRecord | undefined {
  const text = stmt(db, 'SELECT record FROM vm_extra WHERE host = ? AND dom_id = ?').pluck().get(host, domId) as
    string | undefined;
  if (text === undefined) return undefined;
  const { record, upgraded } = decodeRecord(text, `${domId} on ${host}`);
  if (upgraded) writeRecord(db, host, domId, record);
  return record;
}

export function writeRecord(db: Db, host: string, domId: string, record: AttachRecord): void {
  stmt(
    db,
    'INSERT INTO vm_extra VALUES (?, ?, ?) ON CONFLICT (host, dom_id) DO UPDATE SET record = excluded.record',
  ).run(host, domId, JSON.stringify(record));
}

export function updateRecord(db: Db, host: string, domId: string, change: (r: AttachRecord) => void): void {
  const record = readRecord(db, host, domId) ?? emptyRecord();
  change(record);
  writeRecord(db, host, domId, record);
}
