// Finding PostgreSQL's server programs (initdb, pg_ctl), installed with Debian's `postgresql`
// package when missing (as root), and the unprivileged user a cluster runs as.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { aptInstall, isRoot } from '../qemu/apt';
import { EngineError } from './run';

/** The `postgres12` persistence plugin needs PostgreSQL 12 or newer. */
const MIN_MAJOR = 12;
const DEBIAN_PACKAGE = 'postgresql';

export interface PostgresBinaries {
  initdb: string;
  pgCtl: string;
  /** e.g. "15.18". */
  version: string;
}

// PATH first; then Debian's versioned folders, which the package does not put on PATH.
function findBinDir(): string | undefined {
  const onPath = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  const debian = existsSync('/usr/lib/postgresql')
    ? readdirSync('/usr/lib/postgresql')
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
        .map((v) => join('/usr/lib/postgresql', v, 'bin'))
    : [];
  return [...onPath, ...debian].find((d) => existsSync(join(d, 'initdb')) && existsSync(join(d, 'pg_ctl')));
}

/** initdb and pg_ctl, installing Debian's PostgreSQL the first time (root only). */
export function ensurePostgres(log: (line: string) => void): PostgresBinaries {
  let dir = findBinDir();
  if (!dir) {
    if (!isRoot())
      throw new EngineError(`PostgreSQL is not installed (no initdb/pg_ctl): install ${DEBIAN_PACKAGE} (apt) as root`);
    log(`liveshift: installing PostgreSQL (apt-get install ${DEBIAN_PACKAGE}) ...`);
    aptInstall([DEBIAN_PACKAGE]);
    dir = findBinDir();
    if (!dir) throw new EngineError(`apt-get install ${DEBIAN_PACKAGE} left no initdb/pg_ctl`);
  }
  const pgCtl = join(dir, 'pg_ctl');
  const version = /(\d+(?:\.\d+)?)/.exec(execFileSync(pgCtl, ['--version'], { encoding: 'utf8' }))?.[1] ?? '?';
  if (Number.parseInt(version, 10) < MIN_MAJOR)
    throw new EngineError(
      `PostgreSQL ${version} at ${dir} is too old: Temporal's postgres12 plugin needs ${MIN_MAJOR}+`,
    );
  return { initdb: join(dir, 'initdb'), pgCtl, version };
}

const userExists = (name: string): boolean => {
  try {
    execFileSync('id', ['-u', name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/**
 * Who owns and runs the cluster: PostgreSQL refuses to run as root, so as root the `postgres`
 * user (Debian's package creates it) or else `nobody`; otherwise the current user (undefined).
 */
export function clusterOwner(): string | undefined {
  if (!isRoot()) return undefined;
  const owner = ['postgres', 'nobody'].find(userExists);
  if (!owner)
    throw new EngineError('running as root and neither a postgres nor a nobody user exists to run PostgreSQL');
  return owner;
}
