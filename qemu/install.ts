// Makes sure the QEMU binaries the backend drives are installed (from Debian's packages), and
// says which accelerator to use. Fast and side-effect free when everything is already there.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { FailureType, LiveshiftError } from '../domain/errors';
import { aptInstall, isRoot } from './apt';

/**
 * Debian 12 packages: qemu-system-x86 brings qemu-system-x86_64 and, through its dependency
 * qemu-system-common, qemu-storage-daemon; qemu-img is in qemu-utils, which qemu-system-x86 only
 * recommends (so it is named explicitly under --no-install-recommends).
 */
export const QEMU_PACKAGES = ['qemu-system-x86', 'qemu-utils'] as const;

const BINARIES = {
  system: 'qemu-system-x86_64',
  img: 'qemu-img',
  storageDaemon: 'qemu-storage-daemon',
} as const;

export interface QemuInstall {
  system: string;
  img: string;
  storageDaemon: string;
  /** Upstream version from `qemu-system-x86_64 --version`, e.g. "7.2.22". */
  qemuVersion: string;
  /** The whole first line of `--version` (names the distribution build). */
  versionLine: string;
  /** True when this call ran apt-get install. */
  installed: boolean;
}

type Paths = Record<keyof typeof BINARIES, string | undefined>;

// PATH first; /usr/bin too because a service or test runner may start us with a trimmed PATH
// while apt always installs there.
function findBinary(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/bin'];
  return dirs.map((d) => join(d, name)).find((p) => existsSync(p));
}

const findAll = (): Paths => ({
  system: findBinary(BINARIES.system),
  img: findBinary(BINARIES.img),
  storageDaemon: findBinary(BINARIES.storageDaemon),
});

const missingOf = (p: Paths): string[] =>
  (Object.keys(BINARIES) as (keyof typeof BINARIES)[]).filter((k) => !p[k]).map((k) => BINARIES[k]);

/** The QEMU binaries, installed with apt-get the first time (root only). */
export function ensureQemu(log: (line: string) => void = console.error): QemuInstall {
  let paths = findAll();
  let installed = false;
  const missing = missingOf(paths);
  if (missing.length > 0) {
    if (!isRoot())
      throw new LiveshiftError(
        FailureType.PreconditionFailed,
        `${missing.join(', ')} not found and not root: run \`apt-get install --no-install-recommends ${QEMU_PACKAGES.join(' ')}\` as root`,
      );
    log(`liveshift: installing QEMU (${missing.join(', ')} missing): apt-get install ${QEMU_PACKAGES.join(' ')}...`);
    aptInstall([...QEMU_PACKAGES]);
    installed = true;
    paths = findAll();
    const still = missingOf(paths);
    if (still.length > 0)
      throw new LiveshiftError(
        FailureType.PreconditionFailed,
        `${still.join(', ')} still missing after apt-get install`,
      );
  }
  const { system, img, storageDaemon } = paths as Record<keyof typeof BINARIES, string>;
  const { qemuVersion, versionLine } = readQemuVersion(system);
  return { system, img, storageDaemon, qemuVersion, versionLine, installed };
}

export function readQemuVersion(system: string): { qemuVersion: string; versionLine: string } {
  const out = execFileSync(system, ['--version'], { encoding: 'utf8' });
  return { qemuVersion: parseQemuVersion(out), versionLine: out.split('\n')[0]?.trim() ?? '' };
}

/** "QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)" -> "7.2.22". */
export function parseQemuVersion(versionOutput: string): string {
  const m = /QEMU emulator version (\d+\.\d+(?:\.\d+)?)/.exec(versionOutput);
  if (!m?.[1]) throw new LiveshiftError(FailureType.PreconditionFailed, `unrecognised QEMU version: ${versionOutput}`);
  return m[1];
}

export type QemuAccel = 'tcg' | 'kvm';

/**
 * TCG unless LIVESHIFT_QEMU_ACCEL=kvm. Not auto-detected: an openable /dev/kvm proves nothing.
 * On a nested hypervisor that cannot run guests, QEMU starts under KVM and then either aborts
 * ("failed to set MSR" with -cpu host) or runs a guest that never prints a line, so only a
 * full probe boot would tell, at a cost of seconds on every run. Both ends of a migration must
 * use the same accelerator, which one setting guarantees.
 */
export function qemuAccel(env: NodeJS.ProcessEnv = process.env): QemuAccel {
  const v = (env.LIVESHIFT_QEMU_ACCEL ?? 'tcg').toLowerCase();
  if (v !== 'tcg' && v !== 'kvm')
    throw new LiveshiftError(FailureType.BadRequest, `LIVESHIFT_QEMU_ACCEL must be tcg or kvm, not ${v}`);
  return v;
}

/** `-accel` and `-cpu` arguments for the chosen accelerator (`-cpu host` only exists under KVM). */
export const accelArgs = (accel: QemuAccel): string[] =>
  accel === 'kvm' ? ['-accel', 'kvm', '-cpu', 'host'] : ['-accel', 'tcg'];
