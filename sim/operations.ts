// What each atom does to the simulated hypervisors. `check` enforces preconditions and the
// invariants of docs/design.md §5 (throwing typed errors) and reports whether the atom already took effect
// (then it is a no-op: atoms are idempotent). `apply` mutates; the runner calls it inside the same
// IMMEDIATE transaction as a second `check`, so concurrent hosts cannot interleave.
import type { AtomCall, AtomName, VbdRef } from '../domain/atoms';
import { FailureType, LiveshiftError } from '../domain/errors';
import { stmt, type Db } from './db';
import * as store from './store';

export interface Operation {
  /** true = already in effect (no-op); throws when the atom may not run. */
  check(db: Db, call: AtomCall): boolean;
  apply(db: Db, call: AtomCall): void;
}

const fail = (type: FailureType, message: string): never => {
  throw new LiveshiftError(type, message);
};
const vbdOf = (call: AtomCall): VbdRef => call.vbd ?? fail(FailureType.BadRequest, `${call.atom} needs a VBD`);
const where = (call: AtomCall) => `${call.vmName} (${call.domId}) on ${call.host}`;

function needDomain(db: Db, call: AtomCall, ...states: store.DomainState[]): store.DomainRow {
  const dom =
    store.domain(db, call.host, call.domId) ??
    fail(FailureType.PreconditionFailed, `${call.atom}: no domain ${where(call)}`);
  if (states.length > 0 && !states.includes(dom.state))
    fail(
      FailureType.PreconditionFailed,
      `${call.atom}: domain ${where(call)} is ${dom.state}, needs ${states.join(' or ')}`,
    );
  return dom;
}

const noEffect: Operation['apply'] = () => undefined;

const VM_create: Operation = {
  check: (db, c) => store.domain(db, c.host, c.domId) !== undefined,
  apply: (db, c) => {
    stmt(db, `INSERT INTO domains VALUES (?, ?, ?, ?, 'created')`).run(c.host, c.domId, c.vmUuid, c.vmName);
    store.updateRecord(db, c.host, c.domId, () => undefined);
  },
};

const VIF_plug: Operation = {
  check: (db, c) => (needDomain(db, c), store.readRecord(db, c.host, c.domId)?.vifs.includes(c.vif ?? 0) ?? false),
  apply: (db, c) => store.updateRecord(db, c.host, c.domId, (r) => void r.vifs.push(c.vif ?? 0)),
};

const VBD_set_active: Operation = {
  check: (db, c) => (
    needDomain(db, c),
    store.readRecord(db, c.host, c.domId)?.activeVbds.includes(vbdOf(c).device) ?? false
  ),
  apply: (db, c) => store.updateRecord(db, c.host, c.domId, (r) => void r.activeVbds.push(vbdOf(c).device)),
};

const VBD_attach: Operation = {
  check: (db, c) => {
    needDomain(db, c);
    const vbd = vbdOf(c);
    const recorded = store.readRecord(db, c.host, c.domId)?.attachedVdis[vbd.device] !== undefined;
    return recorded && store.attachment(db, c.host, vbd.vdi, c.vmUuid) !== undefined;
  },
  apply: (db, c) => {
    const vbd = vbdOf(c);
    stmt(db, 'INSERT OR IGNORE INTO vdi_attachments VALUES (?, ?, ?, ?, ?, 0)').run(
      c.host,
      vbd.vdi,
      c.vmUuid,
      vbd.device,
      vbd.mode,
    );
    store.updateRecord(
      db,
      c.host,
      c.domId,
      (r) => void (r.attachedVdis[vbd.device] = { vdi: vbd.vdi, mode: vbd.mode }),
    );
  },
};

const VBD_activate: Operation = {
  check: (db, c) => {
    const vbd = vbdOf(c);
    // Invariant 3: activate needs this domain's record of the attach (upstream logged and skipped).
    const record = store.readRecord(db, c.host, c.domId);
    if (!record?.attachedVdis[vbd.device])
      fail(FailureType.NoAttachRecord, `VBD_activate ${vbd.device}: ${where(c)} has no attach record for this device`);
    const att =
      store.attachment(db, c.host, vbd.vdi, c.vmUuid) ??
      fail(FailureType.InvariantViolation, `VBD_activate ${vbd.device}: VDI ${vbd.vdi} is not attached on ${c.host}`);
    if (att.active === 1) return true;
    // Invariant 1: a read-write VDI is active on at most one host.
    const other = vbd.mode === 'RW' ? store.activeElsewhere(db, vbd.vdi, c.host) : undefined;
    if (other)
      fail(
        FailureType.InvariantViolation,
        `VBD_activate ${vbd.device}: read-write VDI ${vbd.vdi} is already active on ${other.host}`,
      );
    return false;
  },
  apply: (db, c) =>
    void stmt(db, 'UPDATE vdi_attachments SET active = 1 WHERE host = ? AND vdi = ? AND vm_uuid = ?').run(
      c.host,
      vbdOf(c).vdi,
      c.vmUuid,
    ),
};

const VBD_deactivate: Operation = {
  check: (db, c) => {
    // Pulling a disk from under a running VM is never part of a migration or its rollback.
    if (store.domain(db, c.host, c.domId)?.state === 'running')
      fail(FailureType.PreconditionFailed, `VBD_deactivate ${vbdOf(c).device}: ${where(c)} is running`);
    return store.attachment(db, c.host, vbdOf(c).vdi, c.vmUuid)?.active !== 1;
  },
  apply: (db, c) =>
    void stmt(db, 'UPDATE vdi_attachments SET active = 0 WHERE host = ? AND vdi = ? AND vm_uuid = ?').run(
      c.host,
      vbdOf(c).vdi,
      c.vmUuid,
    ),
};

const VBD_detach: Operation = {
  check: (db, c) => {
    const att = store.attachment(db, c.host, vbdOf(c).vdi, c.vmUuid);
    if (att?.active === 1)
      fail(
        FailureType.PreconditionFailed,
        `VBD_detach ${vbdOf(c).device}: VDI ${att.vdi} is still active on ${c.host}`,
      );
    return att === undefined;
  },
  apply: (db, c) => {
    const vbd = vbdOf(c);
    stmt(db, 'DELETE FROM vdi_attachments WHERE host = ? AND vdi = ? AND vm_uuid = ?').run(c.host, vbd.vdi, c.vmUuid);
    if (store.domain(db, c.host, c.domId))
      store.updateRecord(db, c.host, c.domId, (r) => void delete r.attachedVdis[vbd.device]);
  },
};

const VM_suspend: Operation = {
  check: (db, c) => needDomain(db, c, 'running', 'suspended').state === 'suspended',
  apply: (db, c) =>
    void stmt(db, `UPDATE domains SET state = 'suspended' WHERE host = ? AND dom_id = ?`).run(c.host, c.domId),
};

const VM_unpause: Operation = {
  check: (db, c) => {
    if (needDomain(db, c, 'created', 'suspended', 'running').state === 'running') return true;
    // Invariant 2: a VM runs on at most one host.
    const running = store.domainsOfVm(db, c.vmUuid).find((d) => d.state === 'running');
    if (running) fail(FailureType.InvariantViolation, `VM_unpause: ${c.vmName} is already running on ${running.host}`);
    return false;
  },
  apply: (db, c) =>
    void stmt(db, `UPDATE domains SET state = 'running' WHERE host = ? AND dom_id = ?`).run(c.host, c.domId),
};

const VM_rename: Operation = {
  check: (db, c) => {
    const to = c.renameTo ?? fail(FailureType.BadRequest, 'VM_rename needs renameTo');
    if (store.domain(db, c.host, to) && !store.domain(db, c.host, c.domId)) return true;
    needDomain(db, c);
    return false;
  },
  apply: (db, c) => {
    // The record moves with the domain; its device keys need no change (the upstream fix).
    stmt(db, 'UPDATE domains SET dom_id = ? WHERE host = ? AND dom_id = ?').run(c.renameTo, c.host, c.domId);
    stmt(db, 'UPDATE vm_extra SET dom_id = ? WHERE host = ? AND dom_id = ?').run(c.renameTo, c.host, c.domId);
  },
};

const VM_destroy: Operation = {
  check: (db, c) => {
    const dom = store.domain(db, c.host, c.domId);
    if (dom?.state === 'running') fail(FailureType.PreconditionFailed, `VM_destroy: ${where(c)} is running`);
    return dom === undefined;
  },
  apply: (db, c) => {
    stmt(db, 'DELETE FROM domains WHERE host = ? AND dom_id = ?').run(c.host, c.domId);
    stmt(db, 'DELETE FROM vm_extra WHERE host = ? AND dom_id = ?').run(c.host, c.domId);
  },
};

/** Memory copies change no state; they need the domain in the right state and take time. */
const memoryCopy = (...states: store.DomainState[]): Operation => ({
  check: (db, c) => (needDomain(db, c, ...states), false),
  apply: noEffect,
});

export const OPERATIONS: Record<AtomName, Operation> = {
  VM_create,
  VIF_plug,
  VBD_set_active,
  VBD_attach,
  VBD_activate,
  VBD_deactivate,
  VBD_detach,
  VM_suspend,
  VM_unpause,
  VM_rename,
  VM_destroy,
  VM_precopy: memoryCopy('running'),
  VM_memory_final: memoryCopy('suspended'),
};
