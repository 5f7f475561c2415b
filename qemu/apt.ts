// The few apt/dpkg operations the QEMU backend needs: install packages, ask for a candidate
// version, download a pinned .deb and unpack it. Every call passes an argument vector (never a
// shell string), so package names and versions can hold any character apt allows.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FailureType, LiveshiftError } from '../domain/errors';

interface Run {
  ok: boolean;
  out: string;
}

// Output is captured rather than inherited: we need the text to tell "no package lists" from
// other failures, and a quiet success keeps `npm test` logs readable.
function run(cmd: string, args: string[], cwd?: string): Run {
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C' },
  });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? r.error.message : ''}`;
  return { ok: !r.error && r.status === 0, out };
}

const tail = (text: string, lines = 6): string => text.trim().split('\n').slice(-lines).join(' | ');

/** apt says this when its package lists are missing or stale (fresh container, no `apt-get update` yet). */
const NO_LISTS = /Unable to locate package|has no installation candidate|No packages found|is not available/;

export const isRoot = (): boolean => process.getuid?.() === 0;

/**
 * Runs an apt command; if it fails for lack of package lists and we are root, refreshes the lists
 * once and retries. Other failures (no network, dpkg lock held) are reported as they are.
 */
function runWithLists(cmd: string, args: string[], what: string, cwd?: string): string {
  let r = run(cmd, args, cwd);
  if (!r.ok && NO_LISTS.test(r.out) && isRoot()) {
    const update = run('apt-get', ['update']);
    if (!update.ok) throw aptError(`apt-get update (needed for ${what})`, update.out);
    r = run(cmd, args, cwd);
  }
  if (!r.ok) throw aptError(what, r.out);
  return r.out;
}

const aptError = (what: string, out: string): LiveshiftError =>
  new LiveshiftError(FailureType.PreconditionFailed, `${what} failed: ${tail(out)}`);

export function aptInstall(packages: string[]): void {
  runWithLists(
    'apt-get',
    ['install', '-y', '--no-install-recommends', ...packages],
    `apt-get install ${packages.join(' ')}`,
  );
}

/** The `Field: value` pairs of the candidate version's stanza (`apt-cache show --no-all-versions`). */
export function aptCandidate(pkg: string): Record<string, string> {
  const out = runWithLists('apt-cache', ['show', '--no-all-versions', pkg], `apt-cache show ${pkg}`);
  const fields: Record<string, string> = {};
  for (const line of out.split('\n')) {
    if (line === '' && Object.keys(fields).length > 0) break;
    const m = /^([A-Za-z0-9-]+): (.*)$/.exec(line);
    if (m?.[1] && m[2] !== undefined) fields[m[1]] = m[2];
  }
  if (!fields.Version) throw aptError(`apt-cache show ${pkg}`, `no Version field in: ${out}`);
  return fields;
}

/** Downloads `pkg=version` into `dir` (no root needed) and returns the .deb's path. */
export function aptDownload(pkg: string, version: string, dir: string): string {
  runWithLists('apt-get', ['download', `${pkg}=${version}`], `apt-get download ${pkg}=${version}`, dir);
  const deb = readdirSync(dir).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
  if (!deb) throw aptError(`apt-get download ${pkg}=${version}`, `no ${pkg}_*.deb in ${dir}`);
  return join(dir, deb);
}

/** Unpacks a .deb's files (not its maintainer scripts) under `dir`, as any user. */
export function debExtract(deb: string, dir: string): void {
  const r = run('dpkg-deb', ['-x', deb, dir]);
  if (!r.ok || !existsSync(dir)) throw aptError(`dpkg-deb -x ${deb}`, r.out);
}

const LISTS_DIR = '/var/lib/apt/lists';

/**
 * A fingerprint of apt's package lists (names, sizes, mtimes). It changes whenever `apt-get
 * update` fetches new lists, so whenever a candidate version may have changed; empty if none.
 */
export function aptListsStamp(): string {
  if (!existsSync(LISTS_DIR)) return '';
  return readdirSync(LISTS_DIR)
    .filter((f) => f.includes('_Packages'))
    .sort()
    .map((f) => {
      const st = statSync(join(LISTS_DIR, f));
      return `${f}:${st.size}:${Math.round(st.mtimeMs)}`;
    })
    .join('\n');
}
