// `liveshift up --engine postgres` as an operator runs it: PostgreSQL, the Temporal server and the
// Web UI under the state's folder, a migration through the CLI, a clean stop on Ctrl-C (the server,
// then PostgreSQL), and a second `up` that reuses the cluster and its schema.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { freePort } from '../../cli/temporal-server';
import { liveshift } from '../helpers/cli';
import { e2ePool } from '../helpers/pools';

describe('liveshift up --engine postgres', () => {
  const dir = mkdtempSync(join(tmpdir(), 'liveshift-up-pg-'));
  const poolFile = join(dir, 'pool.yaml');
  const postmasterPid = join(dir, 'postgres', 'cluster', 'data', 'postmaster.pid');
  let env: NodeJS.ProcessEnv;
  let ports: string[];
  /** Every `up` started, so none outlives the file (a failed assertion skips its Ctrl-C). */
  const started: ChildProcess[] = [];

  /** Starts `up`, resolves with it and its log once the pool is up. */
  async function up(): Promise<{ proc: ChildProcess; log: () => string }> {
    const args = ['up', '--engine', 'postgres', '--pool', poolFile, '--port', ports[0]!, '--ui-port', ports[1]!];
    const proc = spawn(process.execPath, [resolve('bin/liveshift.js'), ...args], { env: { ...process.env, ...env } });
    started.push(proc);
    let log = '';
    proc.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    const deadline = Date.now() + 120_000;
    while (!/pool "up-pg-\d+" up — 2 host workers/.test(log)) {
      if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`up did not come up:\n${log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return { proc, log: () => log };
  }

  const interrupt = (proc: ChildProcess): Promise<number | null> => {
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    proc.kill('SIGINT');
    return exited;
  };

  beforeAll(async () => {
    // The cluster's owner (not root) must pass through the state's folder.
    chmodSync(dir, 0o755);
    writeFileSync(poolFile, stringify(e2ePool(`up-pg-${Date.now()}`, { timeScale: 0.1 })));
    ports = [String(await freePort()), String(await freePort())];
    env = { LIVESHIFT_STATE: join(dir, 'pool.db'), TEMPORAL_ADDRESS: `127.0.0.1:${ports[0]}` };
  });
  afterAll(async () => {
    for (const proc of started) if (proc.exitCode === null && proc.signalCode === null) await interrupt(proc);
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates the topology, migrates through the CLI and stops cleanly on Ctrl-C', async () => {
    const { proc, log } = await up();
    expect(log()).toMatch(/PostgreSQL 1\d\.\d+ at 127\.0\.0\.1:\d+ \(created /);
    expect(log()).toMatch(/Web UI http:\/\/127\.0\.0\.1:\d+/);
    const run = await liveshift(['migrate', 'vm-1', '--to', 'host-b', '--json'], env);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ outcome: 'migrated', to: 'host-b' });
    expect(await interrupt(proc)).toBe(0);
    expect(existsSync(postmasterPid)).toBe(false);
  });

  it('reuses the cluster, its schema and its history on the next up', async () => {
    const { proc, log } = await up();
    expect(log()).toMatch(/\(reused .*cluster\/data\)/);
    const run = await liveshift(['list', '--json'], env);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual([
      expect.objectContaining({ vm: 'vm-1', status: 'COMPLETED', to: 'host-b' }),
    ]);
    expect(await interrupt(proc)).toBe(0);
    expect(existsSync(postmasterPid)).toBe(false);
  });
});
