// The pool file contract (docs/design.md §5). Parsed with zod at the boundary; every cross reference is
// checked here so that nothing downstream has to wonder whether a name resolves.
import { z } from 'zod';
import { atomNameSchema } from './atoms';

const name = z
  .string()
  .min(1)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'names use letters, digits, . _ -');

/** What runs a host's VMs: the simulated hypervisor, or real QEMU guests on this machine (docs/qemu.md). */
export const backendSchema = z.enum(['sim', 'qemu']);
export type Backend = z.infer<typeof backendSchema>;

/** What the planner must know of a backend. */
export const BACKEND_TRAITS: Record<Backend, { stopsAtPrecopyEnd: boolean }> = {
  sim: { stopsAtPrecopyEnd: false },
  // QEMU stops the guest itself once the rest of its memory fits its downtime limit.
  qemu: { stopsAtPrecopyEnd: true },
};

export const hostSchema = z
  .object({
    name,
    vbdPlugUnplugLegacy: z.boolean().default(false),
    backend: backendSchema.default('sim'),
    /** Memory for VMs, used by placement (evacuation); absent: unlimited. */
    memoryMiB: z.number().int().positive().optional(),
  })
  .strict();

export const smSchema = z
  .object({
    type: name,
    requiredApiVersion: z.string().regex(/^\d+(\.\d+)*$/, 'a version such as "1.0" or "3.0"'),
    features: z.array(z.string()).default([]),
  })
  .strict();

/**
 * How qemu hosts reach an SR's VDIs (docs/qemu.md): `file`, a directory of qcow2 images each QEMU
 * opens itself; `nbd`, one qemu-storage-daemon owns the images and every QEMU is its NBD client.
 */
export const srTransportSchema = z.enum(['file', 'nbd']);
export type SrTransport = z.infer<typeof srTransportSchema>;

/** Settings only qemu hosts read; simulated hosts ignore them. */
export const srQemuSchema = z.object({ transport: srTransportSchema.default('file') }).strict();

export const srSchema = z
  .object({
    name,
    type: name,
    shared: z.boolean().default(false),
    host: name.optional(),
    qemu: srQemuSchema.default({}),
  })
  .strict()
  .refine((sr) => sr.shared || sr.host !== undefined, { message: 'a non-shared SR needs `host`' });

export const vbdModeSchema = z.enum(['RW', 'RO']);
export const vbdSchema = z
  .object({
    device: z.string().regex(/^[a-z][a-z0-9]*$/, 'a device name such as xvda'),
    type: z.enum(['Disk', 'CD']).default('Disk'),
    sr: name.optional(),
    mode: vbdModeSchema.default('RW'),
    vdi: name.optional(),
    empty: z.boolean().default(false),
  })
  .strict()
  .refine((v) => v.empty || v.sr !== undefined, { message: 'a VBD that is not an empty CD needs `sr`' })
  .refine((v) => !v.empty || v.type === 'CD', { message: 'only a CD drive may be `empty`' });

export const vmSchema = z
  .object({
    name,
    residentOn: name,
    memoryMiB: z.number().int().positive(),
    dirtyRateMiBps: z.number().nonnegative().default(20),
    vifs: z.number().int().nonnegative().default(1),
    vbds: z.array(vbdSchema).default([]),
  })
  .strict();

export const latencyOverrideSchema = z
  .object({
    attach: z.number().nonnegative(),
    activate: z.number().nonnegative(),
    deactivate: z.number().nonnegative(),
    detach: z.number().nonnegative(),
  })
  .partial()
  .strict();

export const faultSchema = z
  .object({
    atom: atomNameSchema,
    host: name.optional(),
    vm: name.optional(),
    device: z.string().optional(),
    effect: z.enum(['fail', 'hang', 'crash']),
    times: z.number().int().positive().default(1),
    /** Extension: fire before the atom takes effect (default) or after it did, before it replies. */
    at: z.enum(['before', 'after']).default('before'),
  })
  .strict();

const poolObject = z
  .object({
    name,
    timeScale: z.number().positive().default(1),
    hosts: z.array(hostSchema).min(1),
    sms: z.array(smSchema).default([]),
    srs: z.array(srSchema).default([]),
    vms: z.array(vmSchema).default([]),
    policy: z
      .object({ allowEarlyAttach: z.array(name).default([]), denyEarlyAttach: z.array(name).default([]) })
      .strict()
      .default({}),
    // Per SR type: storage operation overrides; per host atom name (VM_create, ...): a number.
    latencyMs: z.record(z.string(), z.union([latencyOverrideSchema, z.number().nonnegative()])).default({}),
    network: z
      .object({ migrationMiBps: z.number().positive().default(1100) })
      .strict()
      .default({}),
    faults: z.array(faultSchema).default([]),
  })
  .strict();

export const poolSchema = poolObject.superRefine(checkReferences);

export type Pool = z.infer<typeof poolSchema>;
export type PoolInput = z.input<typeof poolSchema>;
/** The live pool: the configuration, VMs at their residence, and the hosts being evacuated (if any). */
export type PoolSnapshot = Pool & { evacuating?: string[] };
export type Host = z.infer<typeof hostSchema>;
export type Sm = z.infer<typeof smSchema>;
export type Sr = z.infer<typeof srSchema>;
export type Vm = z.infer<typeof vmSchema>;
export type Vbd = z.infer<typeof vbdSchema>;
export type Fault = z.infer<typeof faultSchema>;
export type EarlyAttachPolicy = Pool['policy'];

function duplicates(names: string[]): string[] {
  return names.filter((n, i) => names.indexOf(n) !== i);
}

function checkReferences(pool: z.infer<typeof poolObject>, ctx: z.RefinementCtx): void {
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  for (const [key, list] of [
    ['hosts', pool.hosts],
    ['srs', pool.srs],
    ['vms', pool.vms],
  ] as const) {
    for (const dup of duplicates(list.map((x) => x.name))) issue([key], `duplicate name "${dup}"`);
  }
  for (const dup of duplicates(pool.sms.map((s) => s.type))) issue(['sms'], `duplicate SM type "${dup}"`);
  const hosts = new Set(pool.hosts.map((h) => h.name));
  pool.srs.forEach((sr, i) => {
    if (sr.host !== undefined && !hosts.has(sr.host)) issue(['srs', i, 'host'], `unknown host "${sr.host}"`);
  });
  checkNamedVdis(pool, issue);
  pool.faults.forEach((f, i) => {
    if (f.host !== undefined && !hosts.has(f.host)) issue(['faults', i, 'host'], `fault on unknown host "${f.host}"`);
    if (f.vm !== undefined && !pool.vms.some((v) => v.name === f.vm))
      issue(['faults', i, 'vm'], `fault on unknown VM "${f.vm}"`);
  });
  const srs = new Map(pool.srs.map((sr) => [sr.name, sr]));
  pool.vms.forEach((vm, i) => {
    if (!hosts.has(vm.residentOn))
      issue(['vms', i, 'residentOn'], `VM "${vm.name}" is resident on unknown host "${vm.residentOn}"`);
    for (const dup of duplicates(vm.vbds.map((v) => v.device)))
      issue(['vms', i, 'vbds'], `VM "${vm.name}" has device "${dup}" twice`);
    vm.vbds.forEach((vbd, j) => {
      if (vbd.sr === undefined) return;
      const sr = srs.get(vbd.sr);
      if (!sr) issue(['vms', i, 'vbds', j, 'sr'], `VM "${vm.name}" ${vbd.device}: unknown SR "${vbd.sr}"`);
      else if (!sr.shared && sr.host !== vm.residentOn)
        issue(
          ['vms', i, 'vbds', j, 'sr'],
          `VM "${vm.name}" ${vbd.device}: SR "${sr.name}" is local to ${sr.host}, not reachable from ${vm.residentOn}`,
        );
    });
  });
}

/** A named VDI appears once per VM, and only read-only when several VBDs share it (invariant 1). */
function checkNamedVdis(
  pool: z.infer<typeof poolObject>,
  issue: (path: (string | number)[], message: string) => void,
): void {
  const uses = new Map<string, { vm: string; mode: string }[]>();
  for (const vm of pool.vms)
    for (const vbd of vm.vbds)
      if (vbd.vdi !== undefined) uses.set(vbd.vdi, [...(uses.get(vbd.vdi) ?? []), { vm: vm.name, mode: vbd.mode }]);
  for (const [vdi, list] of uses) {
    const vms = list.map((u) => u.vm);
    const twice = vms.find((vm, i) => vms.indexOf(vm) !== i);
    if (twice !== undefined) issue(['vms'], `VM "${twice}" uses VDI "${vdi}" twice`);
    else if (list.length > 1 && list.some((u) => u.mode === 'RW'))
      issue(['vms'], `VDI "${vdi}" is shared by ${vms.join(', ')} but not read-only in every use`);
  }
}

/** Is this SR reachable from that host? Shared SRs are reachable from every host. */
export function srReachable(sr: Sr, host: string): boolean {
  return sr.shared || sr.host === host;
}

/** A host's backend; pools recorded before backends existed have none, which means `sim`. */
export function hostBackend(pool: Pick<Pool, 'hosts'>, host: string): Backend {
  return pool.hosts.find((h) => h.name === host)?.backend ?? 'sim';
}

/**
 * How qemu hosts reach an SR. Pools recorded before transports existed have no `qemu` settings,
 * which means `file`, as does an SR the pool does not name (cross references are checked on load).
 */
export function srTransport(pool: Pick<Pool, 'srs'>, sr: string): SrTransport {
  const settings: Partial<Sr['qemu']> | undefined = pool.srs.find((s) => s.name === sr)?.qemu;
  return settings?.transport ?? 'file';
}
