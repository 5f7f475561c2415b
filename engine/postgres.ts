// A private PostgreSQL cluster for the Temporal server: created once under its folder (initdb),
// reused afterwards, listening on loopback only, on a port free at start. Layout of `dir`:
//   data/      the cluster (owned by the user it runs as)
//   log/       PostgreSQL's log
//   password   the `temporal` role's password (0600, created once; SCRAM on every connection)
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../cli/temporal-server';
import { clusterOwner, ensurePostgres, type PostgresBinaries } from './postgres-binaries';
import { EngineError, run } from './run';
import { TOPOLOGY } from './topology';

export interface PostgresOptions {
  dir: string;
  log?: (line: string) => void;
  /** A throw-away cluster (tests): initdb skips its fsyncs. */
  scratch?: boolean;
}

export interface PostgresCluster {
  host: string;
  port: number;
  user: string;
  password: string;
  version: string;
  /** True when this start created the cluster. */
  created: boolean;
  /** `pg_ctl stop -m fast`: running transactions are rolled back, the cluster shuts down cleanly. */
  stop(): Promise<void>;
}

interface Cluster {
  bin: PostgresBinaries;
  owner: string | undefined;
  dataDir: string;
  logDir: string;
}

const HOST = '127.0.0.1';

export async function startPostgres(o: PostgresOptions): Promise<PostgresCluster> {
  const log = o.log ?? (() => undefined);
  const c: Cluster = {
    bin: ensurePostgres(log),
    owner: clusterOwner(),
    dataDir: join(o.dir, 'data'),
    logDir: join(o.dir, 'log'),
  };
  const password = clusterPassword(o.dir);
  const created = !existsSync(join(c.dataDir, 'PG_VERSION'));
  if (created) await initCluster(c, o.dir, password, o.scratch ?? false);
  const port = (await runningPort(c)) ?? (await startCluster(c));
  log(`liveshift: PostgreSQL ${c.bin.version} at ${HOST}:${port} (${created ? 'created' : 'reused'} ${c.dataDir})`);
  const stop = () =>
    run(c.bin.pgCtl, ['-D', c.dataDir, '-m', 'fast', '-w', '-s', 'stop'], pgCtl(c, 'stop')).then(() => {});
  return { host: HOST, port, user: TOPOLOGY.dbUser, password, version: c.bin.version, created, stop };
}

const pgCtl = (c: Cluster, what: string) => ({ what: `pg_ctl ${what}`, asUser: c.owner, timeoutMs: 90_000 });

/** Created once; only this user can read it. */
function clusterPassword(dir: string): string {
  mkdirSync(dir, { recursive: true });
  // The cluster's owner must pass through this folder, and only pass through it.
  chmodSync(dir, 0o711);
  const file = join(dir, 'password');
  if (!existsSync(file)) writeFileSync(file, randomBytes(18).toString('base64url'), { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

/** A folder the cluster's owner writes. */
function ownedDir(path: string, owner: string | undefined): void {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  if (owner) chownSync(path, uid(owner), gid(owner));
}

async function initCluster(c: Cluster, dir: string, password: string, scratch: boolean): Promise<void> {
  ownedDir(c.logDir, c.owner);
  ownedDir(c.dataDir, c.owner);
  // initdb reads the superuser's password from a file its user can read; it is gone right after.
  const pwFile = join(c.logDir, 'initdb-password');
  writeFileSync(pwFile, password, { mode: 0o600 });
  if (c.owner) chownSync(pwFile, uid(c.owner), gid(c.owner));
  await assertReachable(c, dir);
  try {
    const auth = ['--auth-host=scram-sha-256', '--auth-local=scram-sha-256', `--pwfile=${pwFile}`];
    const args = ['-D', c.dataDir, '-U', TOPOLOGY.dbUser, ...auth, '-E', 'UTF8', '--locale=C'];
    await run(c.bin.initdb, [...args, ...(scratch ? ['--no-sync'] : [])], { what: 'initdb', asUser: c.owner });
  } finally {
    rmSync(pwFile, { force: true });
  }
  // Settings that change per start (the port) go in a file of their own, rewritten each time.
  writeFileSync(join(c.dataDir, 'postgresql.conf'), "\ninclude_if_exists = 'liveshift.conf'\n", { flag: 'a' });
}

/** initdb as another user fails obscurely when a folder above the cluster is closed to it. */
async function assertReachable(c: Cluster, dir: string): Promise<void> {
  if (!c.owner) return;
  await run('test', ['-w', c.logDir], { what: `reaching ${dir}`, asUser: c.owner }).catch(() => {
    throw new EngineError(`user ${c.owner} cannot reach ${dir}: every folder above it must be searchable (chmod o+x)`);
  });
}

/** The port of the cluster if it is already running (a previous `up` that did not stop it). */
async function runningPort(c: Cluster): Promise<number | undefined> {
  const pidFile = join(c.dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const running = await run(c.bin.pgCtl, ['-D', c.dataDir, 'status'], pgCtl(c, 'status')).then(
    () => true,
    () => false,
  );
  // postmaster.pid: pid, data dir, start time, port, ...
  const port = Number(readFileSync(pidFile, 'utf8').split('\n')[3]);
  return running && Number.isInteger(port) && port > 0 ? port : undefined;
}

async function startCluster(c: Cluster): Promise<number> {
  const port = await freePort();
  // Loopback only, and no Unix socket: nothing to create under /var/run, nothing reachable from outside.
  const conf = [`listen_addresses = '${HOST}'`, `port = ${port}`, "unix_socket_directories = ''"];
  writeFileSync(join(c.dataDir, 'liveshift.conf'), `${conf.join('\n')}\n`);
  if (c.owner) chownSync(join(c.dataDir, 'liveshift.conf'), uid(c.owner), gid(c.owner));
  const logFile = join(c.logDir, 'postgresql.log');
  ownedDir(c.logDir, c.owner);
  await run(c.bin.pgCtl, ['-D', c.dataDir, '-l', logFile, '-w', '-t', '60', '-s', 'start'], pgCtl(c, 'start')).catch(
    (err: Error) => {
      throw new EngineError(`${err.message} (log: ${logFile})`);
    },
  );
  return port;
}

const idOf = (flag: '-u' | '-g', user: string): number =>
  Number(execFileSync('id', [flag, user], { encoding: 'utf8' }).trim());
const uid = (user: string) => idOf('-u', user);
const gid = (user: string) => idOf('-g', user);
