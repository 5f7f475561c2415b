// Which kernel modules the guest must load, and in what order, read from an unpacked kernel
// package. Debian's linux-image .deb ships modules.order and modules.builtin but no modules.dep
// (its postinst runs depmod on the target), so the dependencies come from where depmod gets
// them: the `depends=` string modpost writes into each module's .modinfo ELF section.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { FailureType, LiveshiftError } from '../domain/errors';

export interface ModuleTree {
  /** /lib/modules/<release> inside the unpacked package. */
  dir: string;
  /** Module name -> path relative to `dir`, as modules.order lists it (may lack a .xz/.zst suffix). */
  paths: Map<string, string>;
  builtin: Set<string>;
}

/** Module names use underscores even when the file name has dashes (virtio-gpu.ko is virtio_gpu). */
export const moduleName = (file: string): string =>
  basename(file)
    .replace(/\.ko(\.xz|\.zst|\.gz)?$/, '')
    .replace(/-/g, '_');

const listFile = (dir: string, name: string): string[] => {
  const p = join(dir, name);
  return existsSync(p) ? readFileSync(p, 'utf8').split('\n').filter(Boolean) : [];
};

export function readModuleTree(dir: string): ModuleTree {
  const order = listFile(dir, 'modules.order');
  if (order.length === 0) throw new LiveshiftError(FailureType.InvariantViolation, `no modules.order in ${dir}`);
  return {
    dir,
    paths: new Map(order.map((p) => [moduleName(p), p])),
    builtin: new Set(listFile(dir, 'modules.builtin').map(moduleName)),
  };
}

/**
 * A module as busybox insmod needs it: uncompressed. Bookworm ships plain .ko files
 * (CONFIG_MODULE_COMPRESS_NONE); later Debian kernels compress them with xz, which we undo here
 * on the host rather than rely on the guest's insmod understanding it.
 */
export function readModuleObject(tree: ModuleTree, name: string): Buffer {
  const rel = tree.paths.get(name);
  if (!rel) throw new LiveshiftError(FailureType.InvariantViolation, `kernel module ${name} not in ${tree.dir}`);
  const plain = join(tree.dir, rel.replace(/\.(xz|zst|gz)$/, ''));
  if (existsSync(plain)) return readFileSync(plain);
  if (existsSync(`${plain}.xz`)) return execFileSync('xz', ['-dc', `${plain}.xz`], { maxBuffer: 256 << 20 });
  throw new LiveshiftError(FailureType.InvariantViolation, `kernel module file ${plain}(.xz) not found`);
}

/** The contents of an ELF64 little-endian object's section `name`, if it has one. */
export function elfSection(elf: Buffer, name: string): Buffer | undefined {
  if (elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2 || elf[5] !== 1)
    throw new LiveshiftError(FailureType.InvariantViolation, 'not an ELF64 little-endian object');
  const shoff = Number(elf.readBigUInt64LE(0x28));
  const shentsize = elf.readUInt16LE(0x3a);
  const shnum = elf.readUInt16LE(0x3c);
  const section = (i: number) => {
    const h = shoff + i * shentsize;
    return {
      name: elf.readUInt32LE(h),
      offset: Number(elf.readBigUInt64LE(h + 0x18)),
      size: Number(elf.readBigUInt64LE(h + 0x20)),
    };
  };
  const strtab = section(elf.readUInt16LE(0x3e));
  for (let i = 0; i < shnum; i++) {
    const s = section(i);
    const start = strtab.offset + s.name;
    const sName = elf.toString('latin1', start, elf.indexOf(0, start));
    if (sName === name) return elf.subarray(s.offset, s.offset + s.size);
  }
  return undefined;
}

/** The modules a module needs loaded first, from its .modinfo `depends=` entry. */
export function moduleDepends(ko: Buffer): string[] {
  const modinfo = elfSection(ko, '.modinfo');
  if (!modinfo) throw new LiveshiftError(FailureType.InvariantViolation, 'kernel module without .modinfo');
  const entry = modinfo
    .toString('latin1')
    .split('\0')
    .find((kv) => kv.startsWith('depends='));
  return (entry?.slice('depends='.length) ?? '').split(',').filter(Boolean).map(moduleName);
}

/**
 * `wanted` and everything they depend on, dependencies first (a depth-first post-order), minus
 * what is built into the kernel. Throws on a cycle, which a valid kernel never has.
 */
export function loadOrder(
  wanted: readonly string[],
  dependsOf: (name: string) => string[],
  builtin: Set<string>,
): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, chain: string[]): void => {
    if (builtin.has(name) || state.get(name) === 'done') return;
    if (state.get(name) === 'visiting')
      throw new LiveshiftError(
        FailureType.InvariantViolation,
        `module dependency cycle: ${[...chain, name].join(' -> ')}`,
      );
    state.set(name, 'visiting');
    for (const dep of dependsOf(name)) visit(dep, [...chain, name]);
    state.set(name, 'done');
    order.push(name);
  };
  for (const name of wanted) visit(name, []);
  return order;
}

/** The guest's modules in load order, each with its uncompressed object. */
export function moduleClosure(tree: ModuleTree, wanted: readonly string[]): { name: string; ko: Buffer }[] {
  const objects = new Map<string, Buffer>();
  const object = (name: string): Buffer => {
    const ko = objects.get(name) ?? readModuleObject(tree, name);
    objects.set(name, ko);
    return ko;
  };
  const names = loadOrder(wanted, (name) => moduleDepends(object(name)), tree.builtin);
  return names.map((name) => ({ name, ko: object(name) }));
}
