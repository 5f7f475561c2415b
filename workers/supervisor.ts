// Runs a worker as a child process and restarts it when it dies, as an init system would.
// `liveshift up` supervises one per host; the fault tests also kill and restart hosts and the
// orchestrator with it.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

export const READY_LINE = 'host worker ready';
export const AGENT_READY_LINE = 'host agent ready';
export const ORCHESTRATOR_READY_LINE = 'orchestrator ready';

/** A process that crashed after it was ready comes back at once; one that dies before, ever slower. */
const FIRST_RESTART_MS = 50;
const MAX_RESTART_MS = 5_000;

export interface ProcessSpec {
  /** For the log: `host worker host-a`, `orchestrator`. */
  name: string;
  script: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  readyLine: string;
  /** Printed once the process serves anything at all (a host's agent, before its worker): a crash after it is no crash loop. */
  upLine?: string;
}

export class SupervisedProcess {
  private child: ChildProcess | undefined;
  private stopping = false;
  private readyWaiters: (() => void)[] = [];
  /** The current child has printed its ready line. */
  private isReady = false;
  /** The current child got as far as serving (its up line, or ready). */
  private wasUp = false;
  private delayMs = FIRST_RESTART_MS;
  restarts = 0;

  constructor(
    private readonly spec: ProcessSpec,
    private readonly log: (line: string) => void,
  ) {
    this.spawn();
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  private spawn(): void {
    const { script, args, env, name, readyLine } = this.spec;
    const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), script, ...args], {
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    this.child = child;
    this.isReady = false;
    this.wasUp = false;
    this.log(`liveshift: ${name} started (pid ${child.pid})`);
    child.stdout?.on('data', (d: Buffer) => {
      const text = d.toString();
      if (this.spec.upLine && text.includes(this.spec.upLine)) this.wasUp = true;
      if (this.isReady || !text.includes(readyLine)) return;
      this.wasUp = true;
      this.isReady = true;
      this.readyWaiters.splice(0).forEach((w) => w());
    });
    child.once('exit', (code, signal) => {
      if (this.stopping) return;
      this.restarts++;
      if (this.wasUp) this.delayMs = FIRST_RESTART_MS;
      const why = signal ?? `code ${code}`;
      this.log(`liveshift: ${name} exited (${why}); restart #${this.restarts} in ${this.delayMs} ms`);
      setTimeout(() => !this.stopping && this.spawn(), this.delayMs);
      this.delayMs = Math.min(MAX_RESTART_MS, this.delayMs * 2);
    });
  }

  /** Resolves when the current process has reported it is ready (at once if it has). */
  ready(): Promise<void> {
    if (this.isReady) return Promise.resolve();
    return new Promise((r) => this.readyWaiters.push(r));
  }

  /** Kills the process abruptly (the supervisor then restarts it). */
  kill(): void {
    this.child?.kill('SIGKILL');
  }

  stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((done) => {
      const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('exit', () => {
        clearTimeout(force);
        done();
      });
      child.kill('SIGTERM');
    });
  }
}

/** One pool host's process: its agent, then its Temporal worker (workers/host-process.ts). */
export function superviseHost(host: string, env: NodeJS.ProcessEnv, log: (line: string) => void): SupervisedProcess {
  const spec = { name: `host worker ${host}`, script: resolve(__dirname, 'host-process.ts'), args: [host], env };
  return new SupervisedProcess({ ...spec, readyLine: READY_LINE, upLine: AGENT_READY_LINE }, log);
}

/** The orchestrator in its own process (workers/orchestrator-process.ts). */
export function superviseOrchestrator(
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
  workflowBundlePath?: string,
): SupervisedProcess {
  const script = resolve(__dirname, 'orchestrator-process.ts');
  const args = workflowBundlePath ? [workflowBundlePath] : [];
  return new SupervisedProcess({ name: 'orchestrator', script, args, env, readyLine: ORCHESTRATOR_READY_LINE }, log);
}
