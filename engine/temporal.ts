// The Temporal server process of the PostgreSQL topology: its config written once per start of
// the topology, the process started (and started again after a stop or a kill, on the same
// configuration and database), and healthy meaning the frontend answers its health check.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { stopChild } from '../cli/temporal-server';
import { reapOrphan, recordPid } from './pid-file';
import { assertPortFree } from './ports';
import { EngineError } from './run';
import { renderDynamicConfig, renderServerConfig, SERVER_ROLES, type ServerConfigInput } from './server-config';

const ENV_NAME = 'liveshift';
const HEALTHY_WITHIN_MS = 90_000;
/** grpc.health.v1 HealthCheckResponse.ServingStatus.SERVING */
const SERVING = 1;

export class TemporalServerProcess {
  private child: ChildProcess | undefined;
  readonly address: string;
  private readonly port: number;
  private readonly logFile: string;

  /** Writes `<root>/config/liveshift.yaml` and the dynamic config beside it (the password inside: 0600). */
  constructor(
    private readonly binary: string,
    private readonly root: string,
    input: Omit<ServerConfigInput, 'dynamicConfigFile'>,
    private readonly log: (line: string) => void = () => undefined,
  ) {
    const configDir = join(root, 'config');
    mkdirSync(configDir, { recursive: true, mode: 0o700 });
    const dynamicConfigFile = join(configDir, 'dynamic.yaml');
    writeFileSync(dynamicConfigFile, renderDynamicConfig());
    writeFileSync(join(configDir, `${ENV_NAME}.yaml`), renderServerConfig({ ...input, dynamicConfigFile }), {
      mode: 0o600,
    });
    this.port = input.ports.grpc.frontend;
    this.address = `127.0.0.1:${this.port}`;
    this.logFile = join(root, 'server.log');
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the server and resolves once its frontend reports it serves. */
  async start(): Promise<void> {
    const pidFile = join(this.root, 'server.pid');
    if (await reapOrphan(pidFile, this.root))
      this.log(`liveshift: stopped a Temporal server an earlier start left running (${this.root})`);
    await assertPortFree(this.port, 'the Temporal frontend', '--port');
    const out = openSync(this.logFile, 'a');
    const args = ['--root', this.root, '--config', 'config', '--env', ENV_NAME, '--allow-no-auth', 'start'];
    args.push(...SERVER_ROLES.flatMap((r) => ['--service', r]));
    const child = spawn(this.binary, args, { stdio: ['ignore', out, out] });
    closeSync(out);
    this.child = child;
    recordPid(pidFile, child.pid);
    try {
      await waitServing(this.address, child, () => this.logTail());
    } catch (err) {
      child.kill('SIGKILL');
      throw err;
    }
    this.log(`liveshift: Temporal server ${this.address} serving (pid ${child.pid}, log ${this.logFile})`);
  }

  /** SIGTERM: the server drains and leaves the membership ring. */
  stop(): Promise<void> {
    return this.child ? stopChild(this.child, 20_000) : Promise.resolve();
  }

  /** SIGKILL, as a crash: the next start finds the database as the crash left it. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  /** The last lines of the server's log, each reduced to its message and error (it logs JSON with stack traces). */
  private logTail(): string {
    try {
      const lines = readFileSync(this.logFile, 'utf8').trim().split('\n').slice(-3);
      return lines.map(logMessage).join(' | ');
    } catch {
      return '';
    }
  }
}

function logMessage(line: string): string {
  try {
    const entry = JSON.parse(line) as { msg?: string; error?: string };
    return [entry.msg, entry.error].filter(Boolean).join(': ');
  } catch {
    return line;
  }
}

async function waitServing(address: string, child: ChildProcess, logTail: () => string): Promise<void> {
  const deadline = Date.now() + HEALTHY_WITHIN_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new EngineError(`the Temporal server exited (${child.exitCode ?? child.signalCode}): ${logTail()}`);
    if (await serving(address)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new EngineError(
    `the Temporal server at ${address} did not serve within ${HEALTHY_WITHIN_MS / 1000} s: ${logTail()}`,
  );
}

async function serving(address: string): Promise<boolean> {
  try {
    const conn = await Connection.connect({ address, connectTimeout: 1000 });
    try {
      const r = await conn.healthService.check({ service: 'temporal.api.workflowservice.v1.WorkflowService' });
      return Number(r.status) === SERVING;
    } finally {
      await conn.close();
    }
  } catch {
    return false;
  }
}
