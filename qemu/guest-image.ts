// The QEMU test guest: Debian's kernel plus a busybox initramfs running GUEST_INIT. Built once per
// user into ~/.cache/liveshift/qemu-guest/<key>/ from packages apt downloads (no root needed),
// keyed by everything that goes into it, so an updated kernel or init script gets a new build.
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { FailureType, LiveshiftError } from '../domain/errors';
import { aptCandidate, aptDownload, aptListsStamp, debExtract } from './apt';
import { GUEST_APPEND, GUEST_INIT, GUEST_MODULE_DIR, GUEST_MODULE_LIST } from './guest-init';
import { moduleClosure, readModuleTree } from './kmod';
import { newcGzip, type NewcEntry } from './newc';

/** Drivers the guest needs for its disks; their dependencies are found in the kernel package. */
export const GUEST_MODULES = ['virtio_pci', 'virtio_blk'] as const;
/** Bump when the image layout changes in a way the other key parts would not show. */
const LAYOUT = 1;

export interface GuestImage {
  kernel: string;
  initrd: string;
  /** The kernel release (uname -r), e.g. "6.1.0-56-amd64". */
  kernelVersion: string;
  /** The Debian package the kernel came from, with its version. */
  kernelPackage: string;
  busyboxVersion: string;
  /** Modules the initramfs loads, in load order. */
  modules: string[];
  append: string;
}

interface Sources {
  kernelPackage: string;
  kernelPackageVersion: string;
  kernelVersion: string;
  busyboxVersion: string;
}

export function guestCacheBase(): string {
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'liveshift', 'qemu-guest');
}

/** linux-image-amd64 is a metapackage: its Depends names the real, versioned kernel package. */
export function resolveSources(): Sources {
  const meta = aptCandidate('linux-image-amd64');
  const m = /\b(linux-image-(\d[^\s,()]*))\s*\(= ([^)\s]+)\)/.exec(meta.Depends ?? '');
  if (!m?.[1] || !m[2] || !m[3])
    throw new LiveshiftError(FailureType.PreconditionFailed, `linux-image-amd64 depends on no kernel: ${meta.Depends}`);
  return {
    kernelPackage: m[1],
    kernelVersion: m[2],
    kernelPackageVersion: m[3],
    busyboxVersion: aptCandidate('busybox-static').Version ?? '',
  };
}

/**
 * resolveSources, remembered until apt's package lists change. Without a binary package cache
 * (Docker-style images turn it off) every apt-cache call parses all the lists, about a second
 * each here, and ensureGuestImage runs before every QEMU test file.
 */
function resolveSourcesMemo(): Sources {
  const memo = join(guestCacheBase(), 'sources.json');
  const stamp = aptListsStamp();
  try {
    const m = JSON.parse(readFileSync(memo, 'utf8')) as { stamp: string; sources: Sources };
    if (stamp !== '' && m.stamp === stamp) return m.sources;
  } catch {
    // no memo yet (or a damaged one): ask apt
  }
  const sources = resolveSources();
  mkdirSync(guestCacheBase(), { recursive: true });
  const tmp = `${memo}.${process.pid}`;
  writeFileSync(tmp, JSON.stringify({ stamp, sources }));
  renameSync(tmp, memo);
  return sources;
}

export function cacheKey(s: Sources): string {
  const hash = createHash('sha256')
    .update(JSON.stringify({ LAYOUT, GUEST_INIT, GUEST_MODULES, GUEST_APPEND }))
    .digest('hex')
    .slice(0, 12);
  const safe = (v: string) => v.replace(/[^A-Za-z0-9.+-]/g, '_');
  return `${safe(s.kernelVersion)}_${safe(s.kernelPackageVersion)}-busybox${safe(s.busyboxVersion)}-${hash}`;
}

const imageIn = (dir: string): GuestImage => ({
  ...(JSON.parse(readFileSync(join(dir, 'guest.json'), 'utf8')) as Omit<GuestImage, 'kernel' | 'initrd'>),
  kernel: join(dir, 'vmlinuz'),
  initrd: join(dir, 'initrd.gz'),
});

/** The guest's kernel and initramfs, built the first time (a ~70 MB download, some seconds). */
export function ensureGuestImage(log: (line: string) => void = console.error): GuestImage {
  const sources = resolveSourcesMemo();
  const dir = join(guestCacheBase(), cacheKey(sources));
  if (existsSync(join(dir, 'guest.json'))) return imageIn(dir);
  mkdirSync(guestCacheBase(), { recursive: true });
  log(
    `liveshift: building the QEMU guest once into ${dir} (${sources.kernelPackage} ${sources.kernelPackageVersion}, busybox-static ${sources.busyboxVersion})...`,
  );
  const started = Date.now();
  // Built beside its final place and renamed into it: readers see a whole image or none, and
  // two concurrent builders just race to the rename (the loser's copy is thrown away).
  const tmp = mkdtempSync(join(guestCacheBase(), '.build-'));
  try {
    const image = buildInto(tmp, sources);
    try {
      renameSync(join(tmp, 'out'), dir);
    } catch (err) {
      if (!existsSync(join(dir, 'guest.json'))) throw err;
    }
    log(
      `liveshift: QEMU guest built in ${((Date.now() - started) / 1000).toFixed(1)} s (modules: ${image.modules.join(' ')}).`,
    );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return imageIn(dir);
}

/** Downloads and unpacks the two packages in `tmp`, and writes the image into `tmp/out`. */
function buildInto(tmp: string, s: Sources): Omit<GuestImage, 'kernel' | 'initrd'> {
  const [debs, root, out] = ['debs', 'root', 'out'].map((d) => join(tmp, d)) as [string, string, string];
  for (const d of [debs, root, out]) mkdirSync(d);
  debExtract(aptDownload(s.kernelPackage, s.kernelPackageVersion, debs), root);
  debExtract(aptDownload('busybox-static', s.busyboxVersion, debs), root);
  const vmlinuz = join(root, 'boot', `vmlinuz-${s.kernelVersion}`);
  if (!existsSync(vmlinuz))
    throw new LiveshiftError(
      FailureType.InvariantViolation,
      `${s.kernelPackage} has no boot/vmlinuz-${s.kernelVersion}`,
    );
  const modules = moduleClosure(readModuleTree(join(root, 'lib', 'modules', s.kernelVersion)), GUEST_MODULES);
  const busybox = readFileSync(join(root, 'bin', 'busybox'));
  copyFileSync(vmlinuz, join(out, 'vmlinuz'));
  writeFileSync(join(out, 'initrd.gz'), newcGzip(initramfsEntries(busybox, modules)));
  const meta = {
    kernelVersion: s.kernelVersion,
    kernelPackage: `${s.kernelPackage} ${s.kernelPackageVersion}`,
    busyboxVersion: s.busyboxVersion,
    modules: modules.map((m) => m.name),
    append: GUEST_APPEND,
  };
  writeFileSync(join(out, 'guest.json'), `${JSON.stringify(meta, null, 2)}\n`);
  return meta;
}

/** The initramfs: busybox, /init, the modules and their order, and /dev/console for init's stdio. */
export function initramfsEntries(busybox: Buffer, modules: { name: string; ko: Buffer }[]): NewcEntry[] {
  const dirs = ['bin', 'dev', 'proc', 'sys', 'lib', GUEST_MODULE_DIR];
  return [
    ...dirs.map((path): NewcEntry => ({ kind: 'dir', path })),
    // The kernel opens /dev/console for /init's stdin/out/err before anything is mounted, so
    // the node must be in the archive itself (5:1 is the console device).
    { kind: 'chardev', path: 'dev/console', major: 5, minor: 1 },
    { kind: 'file', path: 'bin/busybox', data: busybox, mode: 0o755 },
    { kind: 'symlink', path: 'bin/sh', target: 'busybox' },
    { kind: 'file', path: 'init', data: Buffer.from(GUEST_INIT), mode: 0o755 },
    ...modules.map((m): NewcEntry => ({ kind: 'file', path: `${GUEST_MODULE_DIR}/${m.name}.ko`, data: m.ko })),
    { kind: 'file', path: GUEST_MODULE_LIST, data: Buffer.from(modules.map((m) => `${m.name}\n`).join('')) },
  ];
}
