// Runs a worker as a child process and replaces it when it dies, as an init system would.
// `liveshift up` supervises one per host; the fault tests also kill hosts and the orchestrator.
// A host keeps a hot standby: a second process that has loaded everything and waits on its stdin.
// When the active one dies (a crash inside a downtime window, say), the standby takes over in
// milliseconds instead of the second a fresh process needs to start, and a new standby is started.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

export const READY_LINE = 'host worker ready';
export const AGENT_READY_LINE = 'host agent ready';
export const ORCHESTRATOR_READY_LINE = 'orchestrator ready';
/** `metrics endpoint: <url>`: where a child serves its metrics (metrics/endpoint.ts), when it does. */
export const METRICS_LINE = 'metrics endpoint';
const METRICS_URL = new RegExp(`${METRICS_LINE}: (\\S+)\\r?\\n`);
/** A standby child waits for this line on its stdin before it starts serving. */
export const ACTIVATE_LINE = 'activate';
/** A standby child prints this once it has loaded everything and waits. */
export const STANDING_BY_LINE = 'standing by';
export const STANDBY_ENV = 'LIVESHIFT_STANDBY';
/** Set for a process that warms its code before it serves (agent/warm-up.ts): a standby, or a first start. */
export const WARM_UP_ENV = 'LIVESHIFT_WARM_UP';

/** A process that dies before it ever served is restarted ever slower (a crash loop). */
const FIRST_RESTART_MS = 50;
const MAX_RESTART_MS = 5_000;
/**
 * A new standby loads for about a second of CPU: started at once after a takeover, it would slow
 * the very window its predecessor's crash interrupted. It waits this long instead.
 */
const NEW_STANDBY_AFTER_MS = 1_500;

export interface ProcessSpec {
  /** For the log: `host worker host-a`, `orchestrator`. */
  name: string;
  script: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  readyLine: string;
  /** Printed once the process serves anything at all (a host's agent, before its worker). */
  upLine?: string;
  /** Keep a loaded standby process to take over at once. */
  standby?: boolean;
}

interface Child {
  proc: ChildProcess;
  /** Started as a standby: it waits for the activate line. */
  standby: boolean;
  ready: boolean;
  up: boolean;
  /** Loaded and waiting to be activated. */
  loaded: boolean;
  metricsUrl?: string;
  /** What it printed last, until its metrics line came whole (a line can arrive in two chunks). */
  stdoutTail: string;
}

export class SupervisedProcess {
  private active: Child | undefined;
  private spare: Child | undefined;
  private stopping = false;
  private readyWaiters: (() => void)[] = [];
  private spareWaiters: (() => void)[] = [];
  private delayMs = FIRST_RESTART_MS;
  restarts = 0;

  constructor(
    private readonly spec: ProcessSpec,
    private readonly log: (line: string) => void,
  ) {
    this.activate(this.spawnChild(false));
    if (spec.standby) this.spare = this.spawnChild(true);
  }

  /** The active process. */
  get pid(): number | undefined {
    return this.active?.proc.pid;
  }

  /** Where the active process serves its metrics, once it said so (a standby serves none until it takes over). */
  get metricsUrl(): string | undefined {
    return this.active?.metricsUrl;
  }

  /** A standby loads everything, then waits; a process started to serve at once serves first, loads after. */
  private spawnChild(standby: boolean): Child {
    const { script, args, env, spec } = { ...this.spec, spec: this.spec };
    // A restart without a standby serves at once: warming up would only delay the host's answer.
    const warm = standby || this.restarts === 0;
    const proc = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), script, ...args], {
      env: { ...env, ...(standby ? { [STANDBY_ENV]: '1' } : {}), ...(warm ? { [WARM_UP_ENV]: '1' } : {}) },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const child: Child = { proc, standby, ready: false, up: false, loaded: false, stdoutTail: '' };
    proc.stdout?.on('data', (d: Buffer) => {
      const text = d.toString();
      if (!child.loaded && text.includes(STANDING_BY_LINE)) {
        child.loaded = true;
        if (child === this.spare) this.spareWaiters.splice(0).forEach((w) => w());
      }
      if (spec.upLine && text.includes(spec.upLine)) child.up = true;
      if (!child.metricsUrl) this.noteMetricsUrl(child, text);
      if (child.ready || !text.includes(spec.readyLine)) return;
      child.up = child.ready = true;
      if (child === this.active) this.readyWaiters.splice(0).forEach((w) => w());
    });
    proc.once('exit', (code, signal) => this.onExit(child, signal ?? `code ${code}`));
    return child;
  }

  private noteMetricsUrl(child: Child, text: string): void {
    const tail = child.stdoutTail + text;
    child.metricsUrl = METRICS_URL.exec(tail)?.[1];
    child.stdoutTail = child.metricsUrl ? '' : tail.slice(-200);
    if (child.metricsUrl) this.log(`liveshift: ${this.spec.name} metrics at ${child.metricsUrl}`);
  }

  private activate(child: Child): void {
    this.active = child;
    if (child.standby) child.proc.stdin?.write(`${ACTIVATE_LINE}\n`);
    this.log(`liveshift: ${this.spec.name} started (pid ${child.proc.pid})`);
    if (child.ready) this.readyWaiters.splice(0).forEach((w) => w());
  }

  private onExit(child: Child, why: string): void {
    if (this.stopping) return;
    if (child === this.spare) {
      this.spare = undefined;
      this.later(() => (this.spare = this.spawnChild(true)));
      return;
    }
    this.restarts++;
    if (child.up) this.delayMs = FIRST_RESTART_MS;
    const spare = this.spare;
    if (spare) {
      this.log(`liveshift: ${this.spec.name} exited (${why}); restart #${this.restarts}: its standby takes over`);
      this.spare = undefined;
      this.activate(spare);
      setTimeout(() => !this.stopping && !this.spare && (this.spare = this.spawnChild(true)), NEW_STANDBY_AFTER_MS);
    } else {
      this.log(`liveshift: ${this.spec.name} exited (${why}); restart #${this.restarts} in ${this.delayMs} ms`);
      this.later(() => this.activate(this.spawnChild(false)));
    }
  }

  private later(start: () => void): void {
    setTimeout(() => !this.stopping && start(), this.delayMs);
    this.delayMs = Math.min(MAX_RESTART_MS, this.delayMs * 2);
  }

  /** Resolves when the active process has reported it is ready (at once if it has). */
  ready(): Promise<void> {
    if (this.active?.ready) return Promise.resolve();
    return new Promise((r) => this.readyWaiters.push(r));
  }

  /** Resolves when the standby (if any) has loaded and waits: nothing of this process is still starting. */
  settled(): Promise<void> {
    if (!this.spec.standby || this.spare?.loaded) return this.ready();
    return new Promise<void>((r) => this.spareWaiters.push(r)).then(() => this.ready());
  }

  /** Kills the active process abruptly (its standby, or a new process, then takes over). */
  kill(): void {
    this.active?.proc.kill('SIGKILL');
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all([this.active, this.spare].flatMap((c) => (c ? [stopChild(c.proc)] : [])));
  }
}

function stopChild(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const force = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    proc.once('exit', () => {
      clearTimeout(force);
      done();
    });
    proc.kill('SIGTERM');
  });
}

/** One pool host's process, with a standby: its agent, then its worker (workers/host-process.ts). */
export function superviseHost(host: string, env: NodeJS.ProcessEnv, log: (line: string) => void): SupervisedProcess {
  const script = resolve(__dirname, 'host-process.ts');
  const spec = { name: `host worker ${host}`, script, args: [host], env, readyLine: READY_LINE };
  return new SupervisedProcess({ ...spec, upLine: AGENT_READY_LINE, standby: true }, log);
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
