// The pure planner: a pool snapshot and a request compile into named phases of Serial/Parallel
// atoms. Upstream hand-codes migration; here it is data, so it can be printed, predicted and tested.
import { Atom, Parallel, Serial, type AtomCall, type Phase, type Plan, type VbdRef } from './atoms';
import { phaseOf, type PlanPhase } from './phases';
import { canAttachEarly, type EarlyAttachDecision } from './early-attach';
import { temporaryVmId, vdiId, vmUuid } from './ids';
import { BACKEND_TRAITS, hostBackend, type Pool, type Vm } from './pool';
import type { MigrationRequest, PlanKind } from './request';

export interface PlannedVbd extends VbdRef {
  early: boolean;
}

export interface MigrationPlan {
  kind: PlanKind;
  vmName: string;
  vmUuid: string;
  tempId: string;
  from: string;
  to: string;
  decisions: EarlyAttachDecision[];
  vbds: PlannedVbd[];
  /** Run in this order; `cleanup` only goes forward (after the destination unpause). */
  phases: MigrationPhases;
  /** The whole migration as one plan (the phases in order), for printing and counting. */
  plan: Plan;
}

export interface MigrationPhases {
  prepare: PlanPhase;
  precopy: PlanPhase;
  downtime: PlanPhase;
  cleanup: PlanPhase;
}

/** The phases that may still be rolled back, in order; `cleanup` follows them only forward. */
export const REVERSIBLE_PHASES = ['prepare', 'precopy', 'downtime'] as const;

/** Read-write disks before read-only ones (upstream's early group forgot this order). */
function rwThenRo<T extends { mode: 'RW' | 'RO' }>(vbds: T[]): [T[], T[]] {
  return [vbds.filter((v) => v.mode === 'RW'), vbds.filter((v) => v.mode === 'RO')];
}

function decide(pool: Pool, vm: Vm, to: string, kind: PlanKind): EarlyAttachDecision[] {
  return vm.vbds.map((vbd) => {
    const d = canAttachEarly(pool, vbd, to);
    if (kind === 'legacy' && d.early)
      return { ...d, early: false, reason: 'legacy-plan', detail: `legacy plan (would be: ${d.detail})` };
    return d;
  });
}

function plannedVbds(pool: Pool, vm: Vm, decisions: EarlyAttachDecision[]): PlannedVbd[] {
  return vm.vbds.flatMap((vbd, i) => {
    if (vbd.empty || vbd.sr === undefined) return [];
    const srType = pool.srs.find((s) => s.name === vbd.sr)?.type ?? '';
    return [
      {
        device: vbd.device,
        vdi: vdiId(vm.name, vbd.device, vbd.vdi),
        mode: vbd.mode,
        srType,
        early: decisions[i]?.early ?? false,
      },
    ];
  });
}

type Step = (atom: AtomCall['atom'], extra?: Partial<AtomCall>) => Plan;

type Identity = Pick<MigrationPlan, 'vmName' | 'vmUuid' | 'tempId' | 'from' | 'to'>;

/** Builds atoms for one host and domain id within one phase. */
function stepper(m: Identity, migrationId: string) {
  return (host: string, domId: string, phase: Phase): Step =>
    (atom, extra = {}) =>
      Atom({ migrationId, vmUuid: m.vmUuid, vmName: m.vmName, atom, host, domId, phase, ...extra });
}

const ref = ({ early: _early, ...vbd }: PlannedVbd): { vbd: VbdRef } => ({ vbd });

/** One Parallel group per mode, read-write first; empty groups are dropped. */
function byMode(label: string, list: PlannedVbd[], step: (v: PlannedVbd) => Plan): Plan[] {
  return rwThenRo(list)
    .filter((group) => group.length > 0)
    .map((group) => Parallel(`${label} ${group[0]?.mode}`, group.map(step)));
}

export function planMigration(pool: Pool, req: MigrationRequest, migrationId: string): MigrationPlan {
  const vm = pool.vms.find((v) => v.name === req.vm);
  if (!vm) throw new Error(`unknown VM "${req.vm}"`);
  const uuid = vmUuid(pool.name, vm.name);
  const decisions = decide(pool, vm, req.to, req.plan);
  const vbds = plannedVbds(pool, vm, decisions);
  const m = {
    kind: req.plan,
    vmName: vm.name,
    vmUuid: uuid,
    tempId: temporaryVmId(uuid),
    from: vm.residentOn,
    to: req.to,
  };
  const memory = {
    memoryMiB: vm.memoryMiB,
    dirtyRateMiBps: vm.dirtyRateMiBps,
    migrationMiBps: pool.network.migrationMiBps,
    peer: m.to,
  };
  const at = stepper(m, migrationId);
  const precopy = [at(m.from, uuid, 'precopy')('VM_precopy', { memory })];
  // A guest that stops itself when pre-copy converges (QEMU) must reach VM_suspend without a hop:
  // its pre-copy ends in the downtime phase, in the same host run as the suspend.
  const stopsItself = BACKEND_TRAITS[hostBackend(pool, m.from)].stopsAtPrecopyEnd;
  const phases: MigrationPhases = {
    prepare: phaseOf('prepare', 'prepare', prepare(m, vbds, vm.vifs, at)),
    precopy: phaseOf('precopy', 'precopy', stopsItself ? [] : precopy),
    downtime: phaseOf('downtime', 'downtime', [...(stopsItself ? precopy : []), ...downtime(m, vbds, memory, at)]),
    cleanup: phaseOf('cleanup', 'cleanup', cleanup(m, vbds, at)),
  };
  const plan = Serial(
    'migration',
    [...REVERSIBLE_PHASES, 'cleanup' as const].map((name) => phases[name].plan),
  );
  return { ...m, decisions, vbds, phases, plan };
}

type At = ReturnType<typeof stepper>;

function prepare(m: Identity, vbds: PlannedVbd[], vifs: number, at: At): Plan[] {
  const dst = at(m.to, m.tempId, 'prepare');
  return [
    dst('VM_create'),
    Parallel(
      'VIF_plug',
      Array.from({ length: vifs }, (_, i) => dst('VIF_plug', { vif: i })),
    ),
    // VBD_set_active is a database flag; setting it for every VBD here keeps it out of downtime.
    Parallel(
      'VBD_set_active',
      vbds.map((v) => dst('VBD_set_active', ref(v))),
    ),
    ...byMode(
      'early VBD_attach',
      vbds.filter((v) => v.early),
      (v) => dst('VBD_attach', ref(v)),
    ),
  ];
}

function downtime(m: Identity, vbds: PlannedVbd[], memory: AtomCall['memory'], at: At): Plan[] {
  const src = at(m.from, m.vmUuid, 'downtime');
  const dstTemp = at(m.to, m.tempId, 'downtime');
  const dst = at(m.to, m.vmUuid, 'downtime');
  return [
    src('VM_suspend'),
    src('VM_memory_final', { memory }),
    Parallel(
      'source VBD_deactivate',
      vbds.map((v) => src('VBD_deactivate', ref(v))),
    ),
    ...byMode(
      'late VBD_attach',
      vbds.filter((v) => !v.early),
      (v) => dstTemp('VBD_attach', ref(v)),
    ),
    dstTemp('VM_rename', { renameTo: m.vmUuid }),
    ...byMode('VBD_activate', vbds, (v) => dst('VBD_activate', ref(v))),
    dst('VM_unpause'),
  ];
}

function cleanup(m: Identity, vbds: PlannedVbd[], at: At): Plan[] {
  const src = at(m.from, m.vmUuid, 'cleanup');
  return [
    Parallel(
      'source VBD_detach',
      vbds.map((v) => src('VBD_detach', ref(v))),
    ),
    src('VM_destroy'),
  ];
}
