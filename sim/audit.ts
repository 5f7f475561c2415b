// The audit behind `liveshift check`: replays the whole event log from an empty pool and re-checks
// the four invariants of docs/design.md §5 at every event. The hypervisors enforce them at run time; the
// audit proves, after the fact, that nothing slipped through.
import type { SimEvent } from '../domain/events';
import { MIGRATION_END_OP } from '../domain/events';

export interface Violation {
  seq: number;
  invariant: 1 | 2 | 3 | 4;
  message: string;
}

interface Attachment {
  host: string;
  vdi: string;
  vmUuid: string;
  device: string;
  mode: 'RW' | 'RO';
  active: boolean;
}

class Replay {
  readonly attachments = new Map<string, Attachment>();
  readonly running = new Map<string, Set<string>>(); // vm uuid -> hosts running it
  readonly violations: Violation[] = [];

  private key = (e: SimEvent) => `${e.host}|${e.vdi}|${e.vmUuid}`;
  private flag = (e: SimEvent, invariant: Violation['invariant'], message: string): void => {
    this.violations.push({ seq: e.seq, invariant, message });
  };
  private runningHosts = (vm: string) => this.running.get(vm) ?? this.running.set(vm, new Set()).get(vm)!;

  apply(e: SimEvent): void {
    if (e.detail === 'noop') return;
    switch (e.op) {
      case 'VBD_attach':
        if (!this.attachments.has(this.key(e)))
          this.attachments.set(this.key(e), {
            host: e.host,
            vdi: e.vdi ?? '',
            vmUuid: e.vmUuid,
            device: e.device ?? '',
            mode: e.mode ?? 'RW',
            active: false,
          });
        return;
      case 'VBD_activate':
        return this.activate(e);
      case 'VBD_deactivate': {
        const att = this.attachments.get(this.key(e));
        if (att) att.active = false;
        return;
      }
      case 'VBD_detach':
        return void this.attachments.delete(this.key(e));
      case 'VM_unpause':
        return this.unpause(e);
      case 'VM_suspend':
      case 'VM_destroy':
        return void this.runningHosts(e.vmUuid).delete(e.host);
      case MIGRATION_END_OP:
        return this.endOfMigration(e);
    }
  }

  private activate(e: SimEvent): void {
    const att = this.attachments.get(this.key(e));
    if (!att) return this.flag(e, 3, `${e.host} activated ${e.device} (VDI ${e.vdi}) without attaching it`);
    const other = [...this.attachments.values()].find(
      (a) => a.vdi === att.vdi && a.host !== e.host && a.active && a.mode === 'RW',
    );
    if (att.mode === 'RW' && other) this.flag(e, 1, `read-write VDI ${att.vdi} active on ${other.host} and ${e.host}`);
    att.active = true;
  }

  private unpause(e: SimEvent): void {
    const hosts = this.runningHosts(e.vmUuid);
    const elsewhere = [...hosts].filter((h) => h !== e.host);
    if (elsewhere.length > 0)
      this.flag(e, 2, `VM ${e.vmUuid} unpaused on ${e.host} while running on ${elsewhere.join(', ')}`);
    hosts.add(e.host);
  }

  private endOfMigration(e: SimEvent): void {
    const hosts = [...this.runningHosts(e.vmUuid)];
    if (hosts.length !== 1)
      return this.flag(e, 2, `migration ${e.migrationId} ended with VM ${e.vmUuid} running on ${hosts.length} hosts`);
    const leaked = [...this.attachments.values()].filter((a) => a.vmUuid === e.vmUuid && a.host !== hosts[0]);
    for (const a of leaked)
      this.flag(e, 4, `migration ${e.migrationId} ended with ${a.device} (VDI ${a.vdi}) still attached on ${a.host}`);
  }
}

export function audit(events: readonly SimEvent[]): Violation[] {
  const replay = new Replay();
  for (const e of events) replay.apply(e);
  return replay.violations;
}
