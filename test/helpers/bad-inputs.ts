// Every bad input liveshift is tried with, and how each is tried: one list shared by
// test/integration/bad-input.test.ts (which asserts) and scripts/bad-input-doc.ts (which writes
// docs/bad-input.md), so the doc and the test never disagree. No vitest import here.
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import type { MigrationHandle } from '../../client/migrations';
import { freePort } from '../../cli/temporal-server';
import { migrationWorkflowId, ORCHESTRATOR_TASK_QUEUE, vmUuid } from '../../domain/ids';
import type { PoolInput } from '../../domain/pool';
import type { SimPool } from '../../sim/sim-pool';
import { abortUpdate, LIVE_MIGRATE_WORKFLOW, progressQuery } from '../../workflows/definitions';
import { e2ePool } from './pools';

export const BAD_INPUT_POOL = 'bad-input';

/** e2ePool plus a VM on a local SR (`pinned`) and one whose pre-copy lasts ~12 s (`big`, for aborts). */
export function badInputPool(): PoolInput {
  const pool = e2ePool(BAD_INPUT_POOL, {
    timeScale: 0.1,
    srs: [
      { name: 'v3', type: 'zfs-vol', shared: true },
      { name: 'v1', type: 'nfs', shared: true },
      { name: 'local-a', type: 'nfs', shared: false, host: 'host-a' },
      { name: 'local-b', type: 'nfs', shared: false, host: 'host-b' },
    ],
  });
  pool.vms!.push(
    { name: 'pinned', residentOn: 'host-a', memoryMiB: 128, vbds: [{ device: 'xvda', sr: 'local-a', mode: 'RW' }] },
    // 128 GiB at 1100 MiB/s, nothing dirtied: ~119 s of pre-copy, ~12 s at timeScale 0.1.
    {
      name: 'big',
      residentOn: 'host-a',
      memoryMiB: 131072,
      dirtyRateMiBps: 0,
      vbds: [{ device: 'xvda', sr: 'v3', mode: 'RW' }],
    },
  );
  return pool;
}

/** What the runners need: a running stack on a Temporal server, and a scratch directory. */
export interface Target {
  address: string;
  client: Client;
  sim: SimPool;
  stateFile: string;
  dir: string;
  temporalCli: string;
}

// ---------------------------------------------------------------------------------------------
// The cases.

export interface PoolCase {
  name: string;
  /** The change to a valid pool file, as shown in the doc. */
  shown: string;
  /** Raw file text, or an edit of badInputPool() written as YAML; `null` means no file at all. */
  file: string | ((pool: PoolInput) => void) | null;
  message: RegExp;
  /** A valid file (tried with `plan`, exit 0) rather than a refused one (tried with `up --fresh`, exit 2). */
  valid?: true;
}

type Vm = NonNullable<PoolInput['vms']>[number];
const vm = (pool: PoolInput, name: string): Vm => pool.vms!.find((v) => v.name === name)!;

export const POOL_CASES: PoolCase[] = [
  {
    name: 'malformed YAML',
    shown: 'hosts: [ {name: a',
    file: 'name: x\nhosts: [ {name: a\n',
    message: /pool file \S+malformed-yaml\.yaml: not valid YAML\/JSON: /,
  },
  {
    name: 'file that cannot be read',
    shown: '--pool <missing file>',
    file: null,
    message: /pool file \S+missing\.yaml: cannot be read$/,
  },
  {
    name: 'VBD naming an SR that does not exist',
    shown: 'vm-1 xvda: sr: nowhere',
    file: (p) => void (vm(p, 'vm-1').vbds![0]!.sr = 'nowhere'),
    message: /vms\.0\.vbds\.0\.sr: VM "vm-1" xvda: unknown SR "nowhere"$/,
  },
  {
    name: 'duplicate host name',
    shown: 'hosts: host-a, host-b, host-a',
    file: (p) => void p.hosts.push({ name: 'host-a' }),
    message: /hosts: duplicate name "host-a"$/,
  },
  {
    name: 'duplicate VM name',
    shown: 'a second VM named vm-1',
    file: (p) => void p.vms!.push(structuredClone(vm(p, 'vm-1'))),
    message: /vms: duplicate name "vm-1"$/,
  },
  {
    name: 'duplicate SR name',
    shown: 'a second SR named v3',
    file: (p) => void p.srs!.push({ name: 'v3', type: 'nfs', shared: true }),
    message: /srs: duplicate name "v3"$/,
  },
  {
    name: 'VM resident on an unknown host',
    shown: 'vm-1 residentOn: host-z',
    file: (p) => void (vm(p, 'vm-1').residentOn = 'host-z'),
    message: /vms\.0\.residentOn: VM "vm-1" is resident on unknown host "host-z"$/,
  },
  {
    name: 'negative memory',
    shown: 'vm-1 memoryMiB: -256',
    file: (p) => void (vm(p, 'vm-1').memoryMiB = -256),
    message: /vms\.0\.memoryMiB: Number must be greater than 0$/,
  },
  {
    name: 'VBD on an SR its host cannot reach',
    shown: 'vm-1 (on host-a) xvdc: sr: local-b (local to host-b)',
    file: (p) => void (vm(p, 'vm-1').vbds![2]!.sr = 'local-b'),
    message: /vms\.0\.vbds\.2\.sr: VM "vm-1" xvdc: SR "local-b" is local to host-b, not reachable from host-a$/,
  },
  {
    name: 'duplicate device',
    shown: 'vm-1: xvda twice',
    file: (p) => void vm(p, 'vm-1').vbds!.push({ device: 'xvda', sr: 'v1' }),
    message: /vms\.0\.vbds: VM "vm-1" has device "xvda" twice$/,
  },
  {
    name: 'VDI shared read-write',
    shown: 'vm-1 xvda and big xvda: vdi: base, vm-1 RW',
    file: (p) => {
      vm(p, 'vm-1').vbds![0]!.vdi = 'base';
      Object.assign(vm(p, 'big').vbds![0]!, { vdi: 'base', mode: 'RO' });
    },
    message: /vms: VDI "base" is shared by vm-1, big but not read-only in every use$/,
  },
  {
    name: 'fault on an unknown host',
    shown: 'faults: [{atom: VBD_activate, host: host-z, effect: fail}]',
    file: (p) => void (p.faults = [{ atom: 'VBD_activate', host: 'host-z', effect: 'fail' }]),
    message: /faults\.0\.host: fault on unknown host "host-z"$/,
  },
  {
    name: 'fault on an unknown atom',
    shown: 'faults: [{atom: VBD_activte, effect: fail}]',
    file: (p) => void (p.faults = [{ atom: 'VBD_activte' as 'VBD_activate', effect: 'fail' }]),
    message: /faults\.0\.atom: Invalid enum value\. Expected .*, received 'VBD_activte'$/,
  },
  {
    name: 'fault on an unknown VM',
    shown: 'faults: [{atom: VM_suspend, vm: ghost, effect: hang}]',
    file: (p) => void (p.faults = [{ atom: 'VM_suspend', vm: 'ghost', effect: 'hang' }]),
    message: /faults\.0\.vm: fault on unknown VM "ghost"$/,
  },
  {
    name: 'negative timeScale',
    shown: 'timeScale: -1',
    file: (p) => void (p.timeScale = -1),
    message: /timeScale: Number must be greater than 0$/,
  },
  {
    name: 'unknown field',
    shown: 'colour: blue',
    file: (p) => void Object.assign(p, { colour: 'blue' }),
    message: /Unrecognized key\(s\) in object: 'colour'$/,
  },
  {
    name: 'SR type with no SM record (valid)',
    shown: 'srs: + {name: odd, type: gluster, shared: true}; vm-1 xvda on odd',
    file: (p) => {
      p.srs!.push({ name: 'odd', type: 'gluster', shared: true });
      vm(p, 'vm-1').vbds![0]!.sr = 'odd';
    },
    message: /^xvda: not early \(no-sm: no SM record for SR type gluster\)$/,
    valid: true,
  },
];

export interface CliCase {
  name: string;
  /** Arguments after `liveshift`. */
  args: string[];
  /** LIVESHIFT_STATE override (relative to the scratch directory); else the running stack's state. */
  stateFile?: string;
  message: RegExp;
}

export const UNKNOWN_WORKFLOW_ID = 'migrate-no-such-migration';

export const CLI_CASES: CliCase[] = [
  {
    name: 'unknown VM',
    args: ['migrate', 'ghost', '--to', 'host-b'],
    message: /^liveshift: unknown VM "ghost" \(known: vm-1, pinned, big\)$/,
  },
  {
    name: 'unknown host',
    args: ['migrate', 'vm-1', '--to', 'host-z'],
    message: /^liveshift: unknown host "host-z" \(known: host-a, host-b\)$/,
  },
  {
    name: 'same source and destination host',
    args: ['migrate', 'vm-1', '--to', 'host-a'],
    message: /^liveshift: VM "vm-1" already runs on host-a: source and destination are the same host$/,
  },
  {
    name: 'SR not reachable from the destination',
    args: ['migrate', 'pinned', '--to', 'host-b'],
    message: /^liveshift: VM "pinned" xvda: SR "local-a" is not reachable from host-b \(local to host-a\)$/,
  },
  {
    name: 'unknown --plan',
    args: ['migrate', 'vm-1', '--to', 'host-b', '--plan', 'fast'],
    message:
      /^liveshift: option '--plan <plan>' argument 'fast' is invalid\. Allowed choices are early-attach, legacy\.$/,
  },
  {
    name: 'missing --to',
    args: ['migrate', 'vm-1'],
    message: /^liveshift: required option '--to <host>' not specified$/,
  },
  {
    name: '--to without a value',
    args: ['migrate', 'vm-1', '--to'],
    message: /^liveshift: option '--to <host>' argument missing$/,
  },
  {
    name: 'unknown option',
    args: ['migrate', 'vm-1', '--to', 'host-b', '--pln', 'legacy'],
    message: /^liveshift: unknown option '--pln' \(Did you mean --plan\?\)$/,
  },
  {
    name: 'unknown command',
    args: ['migrat', 'vm-1', '--to', 'host-b'],
    message: /^liveshift: unknown command 'migrat' \(Did you mean migrate\?\)$/,
  },
  {
    name: 'status of an unknown workflow id',
    args: ['status', UNKNOWN_WORKFLOW_ID],
    message: new RegExp(`^liveshift: no migration or evacuation ${UNKNOWN_WORKFLOW_ID}$`),
  },
  {
    name: 'abort of an unknown workflow id',
    args: ['abort', UNKNOWN_WORKFLOW_ID],
    message: new RegExp(`^liveshift: no running migration or evacuation ${UNKNOWN_WORKFLOW_ID}$`),
  },
  {
    name: '--watch with --json',
    args: ['migrate', 'vm-1', '--to', 'host-b', '--watch', '--json'],
    message: /^liveshift: option '--watch' cannot be used with option '--json'$/,
  },
  {
    name: 'evacuation of an unknown host',
    args: ['evacuate', 'host-z'],
    message: /^liveshift: unknown host "host-z" \(known: host-a, host-b\)$/,
  },
  {
    name: 'evacuation cap of 0',
    args: ['evacuate', 'host-a', '--concurrency', '0'],
    message: /^liveshift: invalid evacuation: caps\.perSource: a cap must be a whole number ≥ 1$/,
  },
  {
    name: 'evacuation cap that is not a number',
    args: ['evacuate', 'host-a', '--per-destination', 'two'],
    message: /^liveshift: --per-destination must be a whole number, got "two"$/,
  },
  {
    name: 'schedule with a bad cron expression',
    args: ['schedule', 'evacuate', 'host-a', '--cron', 'at noon'],
    message: /^liveshift: invalid schedule: .*cron.*$/i,
  },
  {
    name: 'schedule with neither --cron nor --every',
    args: ['schedule', 'evacuate', 'host-a'],
    message: /^liveshift: give exactly one of --cron "<expression>" or --every <interval>$/,
  },
  {
    name: 'schedule with an interval of 0',
    args: ['schedule', 'evacuate', 'host-a', '--every', '0h'],
    message: /^liveshift: --every: an interval such as 90s, 30m, 24h or 7d$/,
  },
  {
    name: 'delete of an unknown schedule',
    args: ['schedule', 'delete', 'evacuate-host-z'],
    message: /^liveshift: no schedule evacuate-host-z$/,
  },
  {
    name: 'report of an unknown workflow id',
    args: ['report', UNKNOWN_WORKFLOW_ID],
    message: new RegExp(`^liveshift: .*${UNKNOWN_WORKFLOW_ID}.*$`),
  },
  {
    name: 'migrate with no state file',
    args: ['migrate', 'vm-1', '--to', 'host-b'],
    stateFile: 'absent/pool.db',
    message:
      /^liveshift: no pool state at \S+absent\/pool\.db: start the pool with `liveshift up` \(or `liveshift demo`\)$/,
  },
];

export interface WorkflowInputCase {
  name: string;
  /** The `--input` JSON; `null`: no `--input` at all. */
  input: string | null;
  message: RegExp;
  /** Refused by the input parse, before any activity: the first workflow task ends the workflow. */
  firstTask: boolean;
}

export const WORKFLOW_INPUT_CASES: WorkflowInputCase[] = [
  {
    name: 'vm is a number',
    input: '{"vm":5}',
    message: /^invalid migration request: vm: Expected string, received number \(and 1 more problem\)$/,
    firstTask: true,
  },
  {
    name: 'empty object',
    input: '{}',
    message: /^invalid migration request: vm: Required \(and 1 more problem\)$/,
    firstTask: true,
  },
  { name: 'no input', input: null, message: /^invalid migration request: Required$/, firstTask: true },
  {
    name: 'not an object',
    input: '"vm-1"',
    message: /^invalid migration request: Expected object, received string$/,
    firstTask: true,
  },
  {
    name: 'unknown plan',
    input: '{"vm":"vm-1","to":"host-b","plan":"fast"}',
    message:
      /^invalid migration request: plan: Invalid enum value\. Expected 'early-attach' \| 'legacy', received 'fast'$/,
    firstTask: true,
  },
  {
    name: 'extra field',
    input: '{"vm":"vm-1","to":"host-b","extra":1}',
    message: /^invalid migration request: Unrecognized key\(s\) in object: 'extra'$/,
    firstTask: true,
  },
  {
    name: 'empty VM name',
    input: '{"vm":"","to":"host-b"}',
    message: /^invalid migration request: vm: a VM name is required$/,
    firstTask: true,
  },
  // Well-formed but wrong for this pool: refused after the snapshot activity, still without a retry.
  {
    name: 'unknown VM',
    input: '{"vm":"ghost","to":"host-b"}',
    message: /^unknown VM "ghost" \(known: vm-1, pinned, big\)$/,
    firstTask: false,
  },
  {
    name: 'same source and destination host',
    input: '{"vm":"vm-1","to":"host-a"}',
    message: /^VM "vm-1" already runs on host-a: source and destination are the same host$/,
    firstTask: false,
  },
];

export interface AbortCase {
  name: string;
  /** The update's argument, sent as is with the SDK; or `cli`: `liveshift abort <id>` with these arguments. */
  arg?: unknown;
  cli?: string[];
  message: RegExp;
}

export const ABORT_CASES: AbortCase[] = [
  {
    name: 'empty reason',
    arg: { reason: '' },
    message: /^invalid abort arguments: reason: String must contain at least 1 character\(s\)$/,
  },
  {
    name: 'reason is a number',
    arg: { reason: 5 },
    message: /^invalid abort arguments: reason: Expected string, received number$/,
  },
  {
    name: 'extra field',
    arg: { reason: 'maintenance', extra: 1 },
    message: /^invalid abort arguments: Unrecognized key\(s\) in object: 'extra'$/,
  },
  {
    name: 'reason longer than 200 characters',
    arg: { reason: 'x'.repeat(201) },
    message: /^invalid abort arguments: reason: String must contain at most 200 character\(s\)$/,
  },
  { name: 'null argument', arg: null, message: /^invalid abort arguments: Expected object, received null$/ },
  { name: 'no argument', arg: undefined, message: /^invalid abort arguments: Required$/ },
  {
    name: 'liveshift abort --reason ""',
    cli: ['--reason', ''],
    message: /^liveshift: invalid abort arguments: reason: String must contain at least 1 character\(s\)$/,
  },
];

// ---------------------------------------------------------------------------------------------
// Running them.

export interface ProcessRun {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs a process; kills it (its own child only) after `timeoutMs`. */
export function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 30_000): Promise<ProcessRun> {
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', (err) => {
      clearTimeout(timer);
      fail(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr, timedOut });
    });
  });
}

const liveshiftBin = resolve('bin/liveshift.js');
const liveshift = (args: string[], env: NodeJS.ProcessEnv, timeoutMs?: number) =>
  run(process.execPath, [liveshiftBin, ...args], env, timeoutMs);
const lines = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.length > 0);
const slug = (name: string) =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

async function migrationCount(client: Client): Promise<number> {
  return (await client.workflow.count(`WorkflowType = '${LIVE_MIGRATE_WORKFLOW}'`)).count;
}

async function exists(client: Client, workflowId: string): Promise<boolean> {
  try {
    await client.workflow.getHandle(workflowId).describe();
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

/** A CLI run and what it left behind. */
export interface CliObservation {
  command: string;
  code: number | null;
  stderrLines: string[];
  stdout: string;
  eventsBefore: number;
  eventsAfter: number;
  poolBefore: string;
  poolAfter: string;
  migrationsBefore: number;
  migrationsAfter: number;
  /** Whether the migration workflow of the VM named on the command line exists. */
  workflowStarted: boolean;
  /** A state file the command was pointed at but which did not exist: was it created? */
  stateFileCreated: boolean;
}

async function observeCli(
  t: Target,
  args: string[],
  stateFile: string,
  vmName: string | undefined,
  timeoutMs?: number,
): Promise<CliObservation> {
  const before = {
    events: t.sim.events().length,
    pool: t.sim.config().name,
    migrations: await migrationCount(t.client),
  };
  const stateExisted = existsSync(stateFile);
  const r = await liveshift(args, { LIVESHIFT_STATE: stateFile, TEMPORAL_ADDRESS: t.address }, timeoutMs);
  return {
    command: `liveshift ${args.map((a) => (a === '' || /\s/.test(a) ? JSON.stringify(a) : a)).join(' ')}`,
    code: r.timedOut ? null : r.code,
    stderrLines: lines(r.stderr),
    stdout: r.stdout,
    eventsBefore: before.events,
    eventsAfter: t.sim.events().length,
    poolBefore: before.pool,
    poolAfter: t.sim.config().name,
    migrationsBefore: before.migrations,
    migrationsAfter: await migrationCount(t.client),
    workflowStarted:
      vmName !== undefined && (await exists(t.client, migrationWorkflowId(vmUuid(BAD_INPUT_POOL, vmName)))),
    stateFileCreated: !stateExisted && existsSync(stateFile),
  };
}

/** Writes the case's pool file, then `up --fresh` against the running stack's state (exit 2, nothing
 * re-initialised) — or, for the valid case, `plan --json`. */
export async function runPoolCase(c: PoolCase, t: Target): Promise<CliObservation & { file: string }> {
  const file = join(t.dir, `${c.file === null ? 'missing' : slug(c.name)}.yaml`);
  if (typeof c.file === 'string') writeFileSync(file, c.file);
  else if (c.file !== null) {
    const pool = badInputPool();
    c.file(pool);
    writeFileSync(file, stringify(pool));
  }
  if (c.valid)
    return {
      ...(await observeCli(t, ['plan', 'vm-1', '--to', 'host-b', '--pool', file, '--json'], t.stateFile, undefined)),
      file,
    };
  const [port, uiPort] = [await freePort(), await freePort()];
  // Bounded: were a bad file ever accepted, `up` would run until stopped.
  return {
    ...(await observeCli(
      t,
      ['up', '--fresh', '--pool', file, '--port', String(port), '--ui-port', String(uiPort)],
      t.stateFile,
      undefined,
      20_000,
    )),
    file,
  };
}

/** The one-line summary of a valid case's `plan --json`: each VBD's early-attach decision. */
export function planDecisions(stdout: string): string {
  try {
    const plan = JSON.parse(stdout) as {
      decisions: { device: string; early: boolean; reason: string; detail: string }[];
    };
    return (
      plan.decisions.map((d) => `${d.device}: ${d.early ? 'early' : 'not early'} (${d.reason}: ${d.detail})`)[0] ?? ''
    );
  } catch {
    return stdout.trim().split('\n')[0] ?? '';
  }
}

export async function runCliCase(c: CliCase, t: Target): Promise<CliObservation> {
  const stateFile = c.stateFile !== undefined ? join(t.dir, c.stateFile) : t.stateFile;
  return observeCli(t, c.args, stateFile, c.args[0] === 'migrate' ? c.args[1] : undefined);
}

/** A workflow started with the Temporal CLI, its end read back with `temporal workflow result`. */
export interface WorkflowObservation {
  workflowId: string;
  command: string;
  startCode: number | null;
  status: string;
  message: string;
  failureType: string;
  nonRetryable: boolean;
  /** From the start command until `temporal workflow result` returned. */
  elapsedMs: number;
  workflowTasks: number;
  /** Workflow task failures or timeouts in the history (each would be retried). */
  workflowTaskFailures: number;
  maxWorkflowTaskAttempt: number;
  /** A new run (a workflow retry) was started from this one. */
  retried: boolean;
  eventsBefore: number;
  eventsAfter: number;
}

interface HistoryEvent {
  eventType: string;
  workflowTaskScheduledEventAttributes?: { attempt?: number };
  workflowExecutionFailedEventAttributes?: { newExecutionRunId?: string };
}
interface ResultJson {
  status: string;
  closeEvent?: {
    workflowExecutionFailedEventAttributes?: {
      failure?: { message?: string; applicationFailureInfo?: { type?: string; nonRetryable?: boolean } };
    };
  };
}

export const workflowInputCommand = (c: WorkflowInputCase, workflowId: string): string[] => [
  'workflow',
  'start',
  '--type',
  LIVE_MIGRATE_WORKFLOW,
  '--task-queue',
  ORCHESTRATOR_TASK_QUEUE,
  '--workflow-id',
  workflowId,
  ...(c.input === null ? [] : ['--input', c.input]),
];

export async function runWorkflowInputCase(c: WorkflowInputCase, t: Target): Promise<WorkflowObservation> {
  const workflowId = `bad-input-${slug(c.name)}`;
  const at = ['--address', t.address];
  const eventsBefore = t.sim.events().length;
  const started = Date.now();
  const start = await run(t.temporalCli, [...workflowInputCommand(c, workflowId), ...at]);
  const result = await run(t.temporalCli, ['workflow', 'result', '-w', workflowId, '-o', 'json', ...at], {}, 20_000);
  const elapsedMs = Date.now() - started;
  const history = await run(t.temporalCli, ['workflow', 'show', '-w', workflowId, '-o', 'json', ...at]);
  const parsed = (text: string): unknown => {
    try {
      return JSON.parse(text);
    } catch {
      return {};
    }
  };
  const res = parsed(result.stdout) as ResultJson;
  const failure = res.closeEvent?.workflowExecutionFailedEventAttributes?.failure;
  const events = (parsed(history.stdout) as { events?: HistoryEvent[] }).events ?? [];
  const ofType = (type: string) => events.filter((e) => e.eventType === `EVENT_TYPE_${type}`);
  return {
    workflowId,
    command: `temporal ${workflowInputCommand(c, workflowId)
      .map((a) => (a.startsWith('{') || a.startsWith('"') ? `'${a}'` : a))
      .join(' ')}`,
    startCode: start.code,
    status: res.status ?? (result.timedOut ? 'still running after 20 s' : 'unknown'),
    message: failure?.message ?? '',
    failureType: failure?.applicationFailureInfo?.type ?? '',
    nonRetryable: failure?.applicationFailureInfo?.nonRetryable ?? false,
    elapsedMs,
    workflowTasks: ofType('WORKFLOW_TASK_STARTED').length,
    workflowTaskFailures: ofType('WORKFLOW_TASK_FAILED').length + ofType('WORKFLOW_TASK_TIMED_OUT').length,
    maxWorkflowTaskAttempt: Math.max(
      0,
      ...ofType('WORKFLOW_TASK_SCHEDULED').map((e) => e.workflowTaskScheduledEventAttributes?.attempt ?? 1),
    ),
    retried: ofType('WORKFLOW_EXECUTION_FAILED').some((e) =>
      Boolean(e.workflowExecutionFailedEventAttributes?.newExecutionRunId),
    ),
    eventsBefore,
    eventsAfter: t.sim.events().length,
  };
}

/** An abort update (or `liveshift abort`) against a running migration. */
export interface AbortObservation {
  rejected: boolean;
  message: string;
  /** For the CLI variant. */
  code?: number | null;
  stderrLines?: string[];
  /** The migration's phase and abort request, read with the progress query after the attempt. */
  phaseAfter: string;
  abortRequestedAfter: string | null;
}

export async function runAbortCase(c: AbortCase, t: Target, handle: MigrationHandle): Promise<AbortObservation> {
  let rejected = false;
  let message = '';
  let cliRun: Pick<AbortObservation, 'code' | 'stderrLines'> = {};
  if (c.cli) {
    const r = await liveshift(['abort', handle.workflowId, ...c.cli], {
      LIVESHIFT_STATE: t.stateFile,
      TEMPORAL_ADDRESS: t.address,
    });
    cliRun = { code: r.code, stderrLines: lines(r.stderr) };
    rejected = r.code !== 0;
    message = cliRun.stderrLines?.[0] ?? '';
  } else {
    try {
      const accepted = await t.client.workflow
        .getHandle(handle.workflowId)
        .executeUpdate(abortUpdate, { args: c.arg === undefined ? ([] as never) : [c.arg as never] });
      message = `accepted in phase ${accepted.phase}`;
    } catch (err) {
      rejected = err instanceof WorkflowUpdateFailedError;
      message =
        err instanceof WorkflowUpdateFailedError && err.cause
          ? err.cause.message
          : err instanceof Error
            ? err.message
            : String(err);
    }
  }
  const progress = await handle.query(progressQuery);
  return { rejected, message, ...cliRun, phaseAfter: progress.phase, abortRequestedAfter: progress.abortRequested };
}

/** The running migration the abort cases are sent to. */
export const ABORT_TARGET = { vm: 'big', to: 'host-b', plan: 'early-attach' } as const;

// ---------------------------------------------------------------------------------------------
// Verdicts: what "refused properly" means, for the doc (the test asserts the same one by one).

export function poolProblems(c: PoolCase, o: CliObservation): string[] {
  if (!c.valid) return cliProblems(o, c.message);
  const p = cliProblems({ ...o, stderrLines: [] }, /$^/, 0);
  if (!c.message.test(planDecisions(o.stdout))) p.push('plan decisions do not match');
  return p;
}

export function cliProblems(o: CliObservation, message: RegExp, expectedCode = 2): string[] {
  const p: string[] = [];
  if (o.code !== expectedCode) p.push(`exit code ${o.code}, expected ${expectedCode}`);
  if (expectedCode !== 0 && o.stderrLines.length !== 1) p.push(`${o.stderrLines.length} stderr lines`);
  if (expectedCode !== 0 && !message.test(o.stderrLines[0] ?? '')) p.push('message does not match');
  if (o.eventsAfter !== o.eventsBefore) p.push(`events ${o.eventsBefore} → ${o.eventsAfter}`);
  if (o.poolAfter !== o.poolBefore) p.push(`pool re-initialised as "${o.poolAfter}"`);
  if (o.migrationsAfter !== o.migrationsBefore) p.push(`migrations ${o.migrationsBefore} → ${o.migrationsAfter}`);
  if (o.workflowStarted) p.push('a workflow was started');
  if (o.stateFileCreated) p.push('a state file was created');
  return p;
}

export const WORKFLOW_FAIL_FAST_MS = 10_000;

export function workflowProblems(c: WorkflowInputCase, o: WorkflowObservation): string[] {
  const p: string[] = [];
  if (o.startCode !== 0) p.push(`temporal workflow start exited ${o.startCode}`);
  if (o.status !== 'FAILED') p.push(`status ${o.status}`);
  if (!c.message.test(o.message)) p.push('message does not match');
  if (o.failureType !== 'BadRequest') p.push(`failure type "${o.failureType}"`);
  if (!o.nonRetryable) p.push('retryable');
  if (o.elapsedMs >= WORKFLOW_FAIL_FAST_MS) p.push(`took ${o.elapsedMs} ms`);
  if (o.workflowTaskFailures > 0 || o.maxWorkflowTaskAttempt > 1)
    p.push(`workflow task retried (${o.workflowTaskFailures} failures, attempt ${o.maxWorkflowTaskAttempt})`);
  if (c.firstTask && o.workflowTasks !== 1) p.push(`${o.workflowTasks} workflow tasks`);
  if (o.retried) p.push('the workflow was retried');
  if (o.eventsAfter !== o.eventsBefore) p.push(`events ${o.eventsBefore} → ${o.eventsAfter}`);
  return p;
}

export function abortProblems(c: AbortCase, o: AbortObservation): string[] {
  const p: string[] = [];
  if (!o.rejected) p.push('not rejected');
  if (!c.message.test(o.message)) p.push('message does not match');
  if (c.cli && o.code !== 2) p.push(`exit code ${o.code}`);
  if (c.cli && o.stderrLines?.length !== 1) p.push(`${o.stderrLines?.length} stderr lines`);
  if (o.abortRequestedAfter !== null) p.push(`abort recorded: ${o.abortRequestedAfter}`);
  if (o.phaseAfter === 'rollback') p.push('rolling back');
  return p;
}
