// The simulated pool: the embedded default backend behind the Toolstack port. Its state is a
// SQLite file shared by every process that opens it.
import type { AtomCall, AtomResult } from '../domain/atoms';
import { FailureType, LiveshiftError } from '../domain/errors';
import type { SimEvent } from '../domain/events';
import { vdiId, vmUuid } from '../domain/ids';
import type { z } from 'zod';
import { faultSchema, poolSchema, type Pool, type PoolSnapshot } from '../domain/pool';
import { nowMs, openDb, type Db, stmt } from './db';
import { clearFaults, faultFirings, insertFault } from './faults';
import type {
  AgentRegistry,
  AtomContext,
  Evacuations,
  Inventory,
  MigrationControl,
  Toolstack,
} from '../domain/toolstack';
import type { RoundResult, SlotGrant, SlotRequest } from '../domain/evacuation-round';
import * as control from './control';
import { appendEvent, readEvents, type EventRow } from './event-log';
import { runAtom, type AtomEffect } from './hypervisor';
import * as evacuation from './evacuation';
import * as slotGrant from './slot-grant';
import * as store from './store';

export type { EventRow };

export class SimPool implements Toolstack, Inventory, AgentRegistry, MigrationControl, Evacuations {
  private constructor(
    readonly db: Db,
    readonly file: string,
  ) {}

  /**
   * `host: true` for a host's connection: it never checkpoints the WAL itself. A checkpoint runs
   * on the connection whose commit crosses the threshold and copies pages for milliseconds; on a
   * host that would stall an atom inside a downtime window. The orchestrator's connection commits
   * once per migration, outside any window of that host's, and checkpoints for everyone (PASSIVE:
   * writers go on meanwhile).
   */
  static open(file: string, o: { host?: boolean } = {}): SimPool {
    const db = openDb(file);
    if (o.host) db.pragma('wal_autocheckpoint = 0');
    return new SimPool(db, file);
  }

  close(): void {
    this.db.close();
  }

  get initialised(): boolean {
    return stmt(this.db, `SELECT 1 FROM meta WHERE key = 'pool'`).get() !== undefined;
  }

  /** Wipes the state and boots every VM on its `residentOn` host, disks attached and active. */
  initialise(pool: Pool): void {
    this.db
      .transaction(() => {
        for (const t of [
          'domains',
          'vdi_attachments',
          'vm_extra',
          'events',
          'faults',
          'host_agents',
          'migration_control',
          'evacuations',
          'migration_slots',
        ])
          this.db.exec(`DELETE FROM ${t}`);
        this.configured = undefined;
        stmt(this.db, `INSERT INTO meta VALUES ('pool', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`).run(
          JSON.stringify(pool),
        );
        for (const vm of pool.vms) this.bootVm(pool, vm);
        for (const f of pool.faults) insertFault(this.db, f);
      })
      .immediate();
  }

  private bootVm(pool: Pool, vm: Pool['vms'][number]): void {
    const uuid = vmUuid(pool.name, vm.name);
    const t = nowMs();
    const at = { host: vm.residentOn, vmUuid: uuid, domId: uuid, startMs: t, endMs: t, detail: 'initial state' };
    stmt(this.db, `INSERT INTO domains VALUES (?, ?, ?, ?, 'running')`).run(vm.residentOn, uuid, uuid, vm.name);
    const attachedVdis: Record<string, { vdi: string; mode: 'RW' | 'RO' }> = {};
    for (const vbd of vm.vbds.filter((v) => !v.empty && v.sr !== undefined)) {
      const vdi = vdiId(vm.name, vbd.device, vbd.vdi);
      stmt(this.db, 'INSERT INTO vdi_attachments VALUES (?, ?, ?, ?, ?, 1)').run(
        vm.residentOn,
        vdi,
        uuid,
        vbd.device,
        vbd.mode,
      );
      attachedVdis[vbd.device] = { vdi, mode: vbd.mode };
      for (const op of ['VBD_attach', 'VBD_activate'])
        this.appendEvent({ ...at, op, device: vbd.device, vdi, mode: vbd.mode });
    }
    store.writeRecord(this.db, vm.residentOn, uuid, {
      version: 2,
      attachedVdis,
      vifs: [],
      activeVbds: Object.keys(attachedVdis),
    });
    this.appendEvent({ ...at, op: 'VM_unpause' });
  }

  private configured: Pool | undefined;

  /** The pool as configured at initialisation (latencies, SMs, policy): fixed for the file's life. */
  config(): Pool {
    if (this.configured) return this.configured;
    const text = stmt(this.db, `SELECT value FROM meta WHERE key = 'pool'`).pluck().get() as string | undefined;
    if (text === undefined)
      throw new LiveshiftError(
        FailureType.PreconditionFailed,
        `state file ${this.file} holds no pool: run \`liveshift up\` or \`liveshift demo\` first`,
      );
    return (this.configured = poolSchema.parse(JSON.parse(text)));
  }

  /** The pool as configured, with every VM's residence as the hypervisors see it now. */
  snapshot(): PoolSnapshot {
    const pool = this.config();
    const evacuating = evacuation.evacuatingHosts(this.db);
    const where = store.residences(this.db);
    return {
      ...pool,
      vms: pool.vms.map((vm) => ({ ...vm, residentOn: where.get(vmUuid(pool.name, vm.name)) ?? vm.residentOn })),
      // Only when there is one, so snapshots (and recorded histories) without evacuations stay as they were.
      ...(evacuating.length > 0 ? { evacuating } : {}),
    };
  }

  /** The host running the VM; else the host holding its real-id domain (e.g. suspended). */
  residence(uuid: string): string | undefined {
    const doms = store.domainsOfVm(this.db, uuid);
    return (doms.find((d) => d.state === 'running') ?? doms.find((d) => d.dom_id === uuid))?.host;
  }

  runningOn(uuid: string): string[] {
    return store
      .domainsOfVm(this.db, uuid)
      .filter((d) => d.state === 'running')
      .map((d) => d.host);
  }

  run(call: AtomCall, ctx: AtomContext): Promise<AtomResult> {
    return runAtom(this.db, this.config(), call, ctx);
  }

  /** An atom with a real hypervisor's effect in place of the modelled latency (qemu/toolstack.ts). */
  runWithEffect(call: AtomCall, ctx: AtomContext, effect: AtomEffect): Promise<AtomResult> {
    return runAtom(this.db, this.config(), call, ctx, effect);
  }

  addFault(fault: z.input<typeof faultSchema>): void {
    insertFault(this.db, faultSchema.parse(fault));
  }

  clearFaults(vm?: string): void {
    clearFaults(this.db, vm);
  }

  faultFirings(vm: string): number {
    return faultFirings(this.db, vm);
  }

  appendEvent(e: EventRow): void {
    appendEvent(this.db, e);
  }

  events(migrationId?: string): SimEvent[] {
    return readEvents(this.db, migrationId);
  }

  registerAgent(host: string, url: string, pid: number): void {
    control.registerAgent(this.db, host, url, pid);
  }

  agentUrl(host: string): string | undefined {
    return control.agentUrl(this.db, host);
  }

  requestAbort(migrationId: string, reason: string): 'accepted' | 'too-late' {
    return control.requestAbort(this.db, migrationId, reason);
  }

  commit(migrationId: string): string | null {
    return control.commit(this.db, migrationId);
  }

  abortRequested(migrationId: string): string | null {
    return control.abortRequested(this.db, migrationId);
  }

  attachments(uuid: string): store.AttachmentRow[] {
    return store.attachmentsOfVm(this.db, uuid);
  }

  beginEvacuation(host: string, workflowId: string): evacuation.BeginEvacuation {
    return evacuation.beginEvacuation(this.db, host, workflowId);
  }

  endEvacuation(host: string, workflowId: string): void {
    evacuation.endEvacuation(this.db, host, workflowId);
  }

  scheduleRound(round: evacuation.Round): RoundResult {
    return evacuation.scheduleRound(this.db, () => this.snapshot(), round);
  }

  askSlot(request: SlotRequest): void {
    slotGrant.registerAsk(this.db, request);
  }

  recordAsks(evacuationId: string, asks: readonly slotGrant.OrderedAsk[]): void {
    slotGrant.recordAsks(this.db, evacuationId, asks);
  }

  grantSlot(request: SlotRequest): SlotGrant {
    return slotGrant.grantSlot(this.db, () => this.snapshot(), request);
  }

  releaseSlot(workflowId: string): void {
    evacuation.releaseSlot(this.db, workflowId);
  }

  abortEvacuation(workflowId: string, reason: string): void {
    slotGrant.abortEvacuation(this.db, workflowId, reason);
  }
}
