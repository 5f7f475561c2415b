// Finds or builds the Temporal CLI, runs `temporal server start-dev` with liveshift's search
// attributes, waits until it answers, and stops it cleanly.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { Connection } from '@temporalio/client';
import { searchAttributeFlags, searchAttributes } from '../workflows/definitions';
import { cachedGoTool, goCacheDir, goInstallOnce, type GoTool } from './go-install';

export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const CLI_TOOL: GoTool = {
  title: 'the Temporal CLI',
  module: 'github.com/temporalio/cli/cmd/temporal',
  version: TEMPORAL_CLI_VERSION,
  binary: 'temporal',
  cacheName: `temporal-cli-${TEMPORAL_CLI_VERSION}`,
};

/** Per-user cache outside any clone, so fresh clones and CI reuse one build. */
export const cliCacheDir = (): string => goCacheDir(CLI_TOOL);

export function findTemporalCli(): string | undefined {
  const fromEnv = process.env.TEMPORAL_CLI;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`TEMPORAL_CLI=${fromEnv} does not exist`);
    return fromEnv;
  }
  const onPath = (process.env.PATH ?? '')
    .split(delimiter)
    .map((d) => join(d, 'temporal'))
    .find((p) => existsSync(p));
  return onPath ?? cachedGoTool(CLI_TOOL);
}

/** The CLI binary, built once with `go install` when neither PATH nor the cache has one. */
export function ensureTemporalCli(log: (line: string) => void = console.error): string {
  const found = findTemporalCli();
  if (found) return found;
  try {
    return goInstallOnce(CLI_TOOL, log);
  } catch (err) {
    throw new Error(`${(err as Error).message}; install \`temporal\` on PATH or set TEMPORAL_CLI`);
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Dev-server settings for an orchestrator of many short steps (docs/performance.md). Its one
 * history shard reads its transfer and timer queues at most 20 times a second by default, so after
 * a burst each activity or workflow task waits for the next read (about 100 ms a step), and it
 * fires no timer sooner than 1 s ahead (a 20 ms retry backoff or a 500 ms heartbeat timeout took a
 * second). One process has no clock skew to guard against, which is what that shift is for.
 */
export const DEV_SERVER_DYNAMIC_CONFIG: Record<string, number | string> = {
  'history.transferProcessorMaxPollRPS': 10_000,
  'history.timerProcessorMaxPollRPS': 10_000,
  'history.visibilityProcessorMaxPollRPS': 10_000,
  'history.timerProcessorMaxTimeShift': '10ms',
};

const dynamicConfigFlags = (): string[] =>
  Object.entries(DEV_SERVER_DYNAMIC_CONFIG).flatMap(([k, v]) => [
    '--dynamic-config-value',
    `${k}=${JSON.stringify(v)}`,
  ]);

export interface DevServerOptions {
  port?: number;
  uiPort?: number;
  /** SQLite file for durable state; in-memory when absent. */
  dbFile?: string;
  ui?: boolean;
  log?: (line: string) => void;
  /** The dev server's own queue and timer settings instead of DEV_SERVER_DYNAMIC_CONFIG (to measure the difference). */
  untuned?: boolean;
}

export interface DevServer {
  address: string;
  uiUrl: string | null;
  /** The server process (the benchmark reads its CPU time and memory). */
  pid: number | undefined;
  stop(): Promise<void>;
}

export async function startDevServer(opts: DevServerOptions = {}): Promise<DevServer> {
  const cli = ensureTemporalCli(opts.log);
  const port = opts.port ?? (await freePort());
  const uiPort = opts.uiPort ?? port + 1000;
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--log-level',
    'error',
    ...searchAttributeFlags(),
    ...(opts.untuned ? [] : dynamicConfigFlags()),
  ];
  args.push(...(opts.ui ? ['--ui-port', String(uiPort)] : ['--headless']));
  // WAL with NORMAL sync: durable across process crashes and restarts, without an fsync per
  // history write on the migration's hot path.
  if (opts.dbFile)
    args.push(
      '--db-filename',
      opts.dbFile,
      '--sqlite-pragma',
      'journal_mode=wal',
      '--sqlite-pragma',
      'synchronous=normal',
    );
  const child = spawn(cli, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => void (stderr = (stderr + d.toString()).slice(-4000)));
  const address = `127.0.0.1:${port}`;
  try {
    await waitHealthy(address, child, () => stderr);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    address,
    uiUrl: opts.ui ? `http://127.0.0.1:${uiPort}` : null,
    pid: child.pid,
    stop: () => stopChild(child),
  };
}

async function waitHealthy(
  address: string,
  child: ChildProcess,
  stderr: () => string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const wanted = Object.values(searchAttributes).map((k) => k.name);
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(
        `temporal server exited (${child.exitCode}): ${stderr().trim().split('\n').slice(-3).join(' | ')}`,
      );
    try {
      const conn = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        const { customAttributes } = await conn.operatorService.listSearchAttributes({ namespace: 'default' });
        if (wanted.every((k) => customAttributes?.[k] !== undefined)) return;
      } finally {
        await conn.close();
      }
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`temporal server at ${address} did not become healthy within ${timeoutMs / 1000}s`);
}

export function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
