// `liveshift migrate … --watch` through the real CLI, stdout a pipe (not a TTY): plain progress
// lines, one per change, phases in order, atoms growing, memory copied, then the summary. Ctrl-C
// stops the watching, not the migration; --watch with --json is bad input.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationWorkflowId, vmUuid } from '../../domain/ids';
import { memoryModel } from '../../domain/latency';
import type { MigrationResult } from '../../domain/request';
import { liveshift, type CliRun } from '../helpers/cli';
import { e2ePool } from '../helpers/pools';
import { cliEnv, stackFor } from '../helpers/server';
import type { Stack } from '../../workers/stack';

const MIGRATION_MIBPS = 1100; // the pool's network.migrationMiBps (the schema's default)
const pool = e2ePool('watch');
// 2 GiB: about 1.9 s of pre-copy at timeScale 1, so a 250 ms poll sees every phase but the window.
pool.vms![0]!.memoryMiB = 2048;
pool.vms!.push({
  name: 'vm-2',
  residentOn: 'host-a',
  memoryMiB: 2048,
  vbds: [{ device: 'xvda', sr: 'v3', mode: 'RW' }],
});

const PHASES = ['precheck', 'prepare', 'precopy', 'downtime', 'cleanup', 'done'];
const LINE = /^ +(\d+\.\d) s {2}(\w+) +atoms (\d+)\/(\d+)(?: {2}memory (\d+)\/(\d+) MiB)?(.*)$/;

interface Seen {
  elapsed: number;
  phase: string;
  done: number;
  total: number;
  copied?: number;
  memory?: number;
  rest: string;
}

function progressLines(stdout: string): Seen[] {
  return stdout.split('\n').flatMap((line) => {
    const m = LINE.exec(line);
    if (!m) return [];
    const [, elapsed, phase, done, total, copied, memory, rest] = m;
    const num = (s: string | undefined) => (s === undefined ? undefined : Number(s));
    return [
      {
        elapsed: Number(elapsed),
        phase: phase!,
        done: Number(done),
        total: Number(total),
        copied: num(copied),
        memory: num(memory),
        rest: rest!,
      },
    ];
  });
}

/** Starts the CLI and resolves once `ready` matches its stdout, with a way to signal it and its end. */
function startCli(args: string[], env: NodeJS.ProcessEnv, ready: RegExp) {
  const child = spawn(process.execPath, [resolve('bin/liveshift.js'), ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const run: CliRun = { code: null, stdout: '', stderr: '' };
  const ended = new Promise<CliRun>((done) => child.once('close', (code) => done({ ...run, code })));
  const started = new Promise<void>((ok) =>
    child.stdout.on('data', (d: Buffer) => {
      run.stdout += d.toString();
      if (ready.test(run.stdout)) ok();
    }),
  );
  child.stderr.on('data', (d: Buffer) => (run.stderr += d.toString()));
  return { started, ended, signal: (s: NodeJS.Signals) => child.kill(s) };
}

describe('liveshift migrate --watch', () => {
  let stack: Stack;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    stack = await stackFor(pool);
    env = cliEnv(stack);
  });
  afterAll(() => stack.stop());

  it('prints plain progress lines, one per change, then the summary', async () => {
    const run = await liveshift(['migrate', 'vm-1', '--to', 'host-b', '--watch'], env);
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain('\u001B');
    const seen = progressLines(run.stdout);
    expect(seen.length).toBeGreaterThanOrEqual(4);
    // Phases in their order, each change a line; atoms and time only grow.
    const phases = seen.map((s) => s.phase).filter((p, i, all) => p !== all[i - 1]);
    expect(phases.map((p) => PHASES.indexOf(p))).toEqual([...phases.map((p) => PHASES.indexOf(p))].sort());
    expect(phases).toEqual(expect.arrayContaining(['prepare', 'precopy', 'done']));
    seen.slice(1).forEach((s, i) => {
      expect(s.done).toBeGreaterThanOrEqual(seen[i]!.done);
      expect(s.elapsed).toBeGreaterThanOrEqual(seen[i]!.elapsed);
      expect(`${s.phase} ${s.done} ${s.copied} ${s.rest}`).not.toBe(
        `${seen[i]!.phase} ${seen[i]!.done} ${seen[i]!.copied} ${seen[i]!.rest}`,
      );
    });
    // The last frame: every atom, every MiB the plan sends (pre-copy rounds + final copy), the measured pause.
    const last = seen.at(-1)!;
    const m = memoryModel(2048, 20, MIGRATION_MIBPS);
    const planned = Math.round((m.precopyMs / 1000) * MIGRATION_MIBPS + m.finalMiB);
    expect(last).toMatchObject({ phase: 'done', done: last.total, copied: planned, memory: planned });
    expect(seen.find((s) => s.phase === 'prepare')?.copied).toBe(0);
    const result = (await stack.client.workflow
      .getHandle(migrationWorkflowId(vmUuid('watch', 'vm-1')))
      .result()) as MigrationResult;
    expect(last.rest).toBe(`  downtime ${Math.round(result.downtimeMs)} ms  migrated`);
    const after = run.stdout.slice(run.stdout.lastIndexOf(last.rest) + last.rest.length).trim();
    expect(after).toMatch(/^vm-1 host-a → host-b \(early-attach\): migrated — downtime \d+ ms/);
    // The view replaces the phase lines on stderr; the start line stays.
    expect(run.stderr).toMatch(/^liveshift: migrating vm-1 → host-b \(early-attach\) as migrate-/);
    expect(run.stderr).not.toMatch(/^\s+\w+\s+atoms/m);
  });

  it('Ctrl-C stops watching (exit 130, the last frame kept), and the migration goes on', async () => {
    const cli = startCli(['migrate', 'vm-2', '--to', 'host-b', '--watch'], env, /precopy/);
    await cli.started;
    cli.signal('SIGINT');
    const run = await cli.ended;
    expect(run.code).toBe(130);
    expect(run.stderr).toMatch(/stopped watching; the migration goes on \(liveshift status migrate-/);
    expect(run.stdout).toMatch(/precopy/);
    const handle = stack.client.workflow.getHandle(migrationWorkflowId(vmUuid('watch', 'vm-2')));
    expect(((await handle.result()) as MigrationResult).outcome).toBe('migrated');
  });

  it('--watch with --json is bad input: one line, exit 2, nothing started', async () => {
    const events = stack.sim.events().length;
    const run = await liveshift(['migrate', 'vm-1', '--to', 'host-a', '--watch', '--json'], env);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toEqual(["liveshift: option '--watch' cannot be used with option '--json'"]);
    expect(run.stdout).toBe('');
    expect(stack.sim.events().length).toBe(events);
  });
});
