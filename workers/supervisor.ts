// Runs a host worker as a child process and restarts it when it dies, as an init system would.
// `liveshift up` supervises one per host; the fault tests use it to kill and restart hosts.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

const HOST_WORKER = resolve(__dirname, 'host.ts');
export const READY_LINE = 'host worker ready';
const RESTART_DELAY_MS = 300;

export class SupervisedHost {
  private child: ChildProcess | undefined;
  private stopping = false;
  private readyWaiters: (() => void)[] = [];
  restarts = 0;

  constructor(
    readonly host: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly log: (line: string) => void,
  ) {
    this.spawn();
  }

  private spawn(): void {
    const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), HOST_WORKER, this.host], {
      env: this.env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    this.child = child;
    this.log(`liveshift: host worker ${this.host} started (pid ${child.pid})`);
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes(READY_LINE)) this.readyWaiters.splice(0).forEach((w) => w());
    });
    child.once('exit', (code, signal) => {
      if (this.stopping) return;
      this.restarts++;
      this.log(
        `liveshift: host worker ${this.host} exited (${signal ?? `code ${code}`}); restart #${this.restarts} in ${RESTART_DELAY_MS} ms`,
      );
      setTimeout(() => !this.stopping && this.spawn(), RESTART_DELAY_MS);
    });
  }

  /** Resolves when the current process reports its worker polling. */
  ready(): Promise<void> {
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
