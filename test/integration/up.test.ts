// `liveshift up` as an operator runs it: a SQLite-backed server, the Web UI, one supervised worker
// process per host. A host worker killed is restarted and the restart is logged; migrations keep
// working; Ctrl-C stops everything.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { freePort } from '../../cli/temporal-server';
import { liveshift } from '../helpers/cli';
import { e2ePool } from '../helpers/pools';

describe('liveshift up', () => {
  const dir = mkdtempSync(join(tmpdir(), 'liveshift-up-'));
  const poolFile = join(dir, 'pool.yaml');
  let up: ChildProcess;
  let log = '';
  let env: NodeJS.ProcessEnv;

  const waitFor = async (pattern: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const m = log.match(pattern);
      if (m) return m;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no ${String(pattern)} in the log of up:\n${log}`);
  };

  beforeAll(async () => {
    writeFileSync(poolFile, stringify(e2ePool(`up-${Date.now()}`, { timeScale: 0.1 })));
    const [port, uiPort] = [await freePort(), await freePort()];
    env = { LIVESHIFT_STATE: join(dir, 'pool.db'), TEMPORAL_ADDRESS: `127.0.0.1:${port}` };
    up = spawn(
      process.execPath,
      [resolve('bin/liveshift.js'), 'up', '--pool', poolFile, '--port', String(port), '--ui-port', String(uiPort)],
      { env: { ...process.env, ...env } },
    );
    up.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    await waitFor(/pool "up-\d+" up — 2 host workers/, 120_000);
  });
  afterAll(() => {
    if (up.exitCode === null) up.kill('SIGKILL');
  });

  it('restarts a killed host worker, logs it, and keeps migrating', async () => {
    const [, pid] = await waitFor(/host worker host-b started \(pid (\d+)\)/);
    process.kill(Number(pid), 'SIGKILL');
    await waitFor(/host worker host-b exited \(SIGKILL\); restart #1/);
    const [, newPid] = await waitFor(
      /host worker host-b started \(pid (\d+)\)[\s\S]*host worker host-b started \(pid (\d+)\)/,
    ).then((m) => [m[0], m[2]]);
    expect(newPid).not.toBe(pid);
    const run = await liveshift(['migrate', 'vm-1', '--to', 'host-b', '--json'], env);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ outcome: 'migrated', to: 'host-b' });
    expect((await liveshift(['check'], env)).code).toBe(0);
  });

  it('stops cleanly on Ctrl-C', async () => {
    const exited = new Promise<number | null>((r) => up.once('exit', (code) => r(code)));
    up.kill('SIGINT');
    expect(await exited).toBe(0);
  });
});
