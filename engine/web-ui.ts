// The Temporal Web UI for the PostgreSQL topology: the same UI server the dev server embeds
// (ui-server v2.42.1), built once with `go install`, run as its own process on loopback.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { stopChild } from '../cli/temporal-server';
import { ensureTemporalUi } from '../cli/temporal-server-build';
import { reapOrphan, recordPid } from './pid-file';
import { assertPortFree } from './ports';
import { EngineError } from './run';
import { TOPOLOGY } from './topology';

const ENV_NAME = 'liveshift';
const HOST = '127.0.0.1';

export interface WebUiOptions {
  dir: string;
  port: number;
  /** The Temporal frontend it reads. */
  address: string;
  log?: (line: string) => void;
}

export interface WebUi {
  url: string;
  stop(): Promise<void>;
}

export const renderUiConfig = (o: Pick<WebUiOptions, 'port' | 'address'>): string =>
  stringify({
    temporalGrpcAddress: o.address,
    host: HOST,
    port: o.port,
    enableUi: true,
    defaultNamespace: TOPOLOGY.namespace,
    // Plain HTTP on loopback: a Secure cookie would never be sent back.
    cors: { cookieInsecure: true },
    notifyOnNewVersion: false,
    hideLogs: true,
  });

export async function startWebUi(o: WebUiOptions): Promise<WebUi> {
  const binary = ensureTemporalUi(o.log);
  mkdirSync(join(o.dir, 'config'), { recursive: true });
  writeFileSync(join(o.dir, 'config', `${ENV_NAME}.yaml`), renderUiConfig(o));
  const pidFile = join(o.dir, 'ui.pid');
  await reapOrphan(pidFile, o.dir);
  await assertPortFree(o.port, 'the Web UI', '--ui-port');
  const out = openSync(join(o.dir, 'ui.log'), 'a');
  const child = spawn(binary, ['--root', o.dir, '--config', 'config', '--env', ENV_NAME, 'start'], {
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  recordPid(pidFile, child.pid);
  const url = `http://${HOST}:${o.port}`;
  try {
    await waitHealthy(url, child);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  o.log?.(`liveshift: Temporal Web UI at ${url} (pid ${child.pid})`);
  return { url, stop: () => stopChild(child) };
}

async function waitHealthy(url: string, child: ChildProcess, withinMs = 30_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new EngineError(`the Web UI server exited (${child.exitCode}): see its ui.log`);
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new EngineError(`the Web UI at ${url} did not answer within ${withinMs / 1000} s`);
}
