// Tries every bad input of test/helpers/bad-inputs.ts for real — pool files, CLI arguments,
// workflow inputs started with the Temporal CLI, abort update arguments — against its own Temporal
// dev server and an in-process stack, and writes the table to docs/bad-input.md:
//   npm run docs:bad-input
// Exits 1 (after writing the doc, with the rows marked) if any input was not refused as expected.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { MigrationHandle } from '../client/migrations';
import { ensureTemporalCli, startDevServer } from '../cli/temporal-server';
import {
  ABORT_CASES,
  ABORT_TARGET,
  abortProblems,
  badInputPool,
  CLI_CASES,
  cliProblems,
  planDecisions,
  POOL_CASES,
  poolProblems,
  runAbortCase,
  runCliCase,
  runPoolCase,
  runWorkflowInputCase,
  WORKFLOW_INPUT_CASES,
  workflowProblems,
  type AbortCase,
  type Target,
} from '../test/helpers/bad-inputs';
import { waitForPhase } from '../test/helpers/wait';
import { scratchState, startStack } from '../workers/stack';

const OUT = join(__dirname, '..', 'docs', 'bad-input.md');

interface Row {
  where: string;
  input: string;
  outcome: string;
  message: string;
  problems: string[];
}

const code = (text: string) => (text === '' ? '' : `\`\` ${text.replace(/\|/g, '\\|')} \`\``);
const cell = (text: string) => text.replace(/\|/g, '\\|');
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function abortInput(c: AbortCase): string {
  if (c.cli) return `liveshift abort <running id> ${c.cli.map((a) => (a === '' ? '""' : a)).join(' ')}`;
  if (c.arg === undefined) return '(no argument)';
  return JSON.stringify(c.arg, (_k, v: unknown) =>
    typeof v === 'string' && v.length > 40 ? `${v.slice(0, 3)}…(${v.length} characters)` : v,
  );
}

async function collect(
  t: Target,
  startAbortTarget: () => Promise<MigrationHandle>,
): Promise<{ rows: Row[]; abortEnding: string }> {
  const rows: Row[] = [];
  const log = (row: Row) => {
    rows.push(row);
    console.error(
      `${row.problems.length === 0 ? 'ok  ' : 'FAIL'} ${row.where}: ${row.input}${row.problems.length ? ` — ${row.problems.join('; ')}` : ''}`,
    );
  };
  const outcome = (problems: string[], ok: string) =>
    problems.length === 0 ? ok : `**unexpected**: ${problems.join('; ')}`;

  for (const c of POOL_CASES) {
    const o = await runPoolCase(c, t);
    const problems = poolProblems(c, o);
    log({
      where: 'pool file',
      input: `${c.name}: ${code(c.shown)}`,
      outcome: outcome(problems, c.valid ? 'exit 0 (valid: `plan` accepts it)' : 'exit 2, nothing changed'),
      message: code(c.valid ? planDecisions(o.stdout) : (o.stderrLines[0] ?? '')),
      problems,
    });
  }
  for (const c of CLI_CASES) {
    const o = await runCliCase(c, t);
    const problems = cliProblems(o, c.message);
    const env = c.stateFile !== undefined ? `LIVESHIFT_STATE=<tmp>/${c.stateFile} ` : '';
    log({
      where: 'CLI',
      input: `${c.name}: ${code(env + o.command)}`,
      outcome: outcome(problems, 'exit 2, nothing changed'),
      message: code(o.stderrLines.join(' ⏎ ')),
      problems,
    });
  }
  for (const c of WORKFLOW_INPUT_CASES) {
    const o = await runWorkflowInputCase(c, t);
    const problems = workflowProblems(c, o);
    const tasks = `${o.workflowTasks} workflow task${o.workflowTasks === 1 ? '' : 's'}, none retried`;
    log({
      where: 'workflow input',
      input: `${c.name}: ${code(c.input ?? '(no --input)')}`,
      outcome: outcome(
        problems,
        `FAILED after ${seconds(o.elapsedMs)}: ${o.failureType}, non-retryable, ${tasks}; nothing changed`,
      ),
      message: code(o.message),
      problems,
    });
  }
  const handle = await startAbortTarget();
  await waitForPhase(handle, 'precopy');
  const abortRows: Row[] = [];
  for (const c of ABORT_CASES) {
    const o = await runAbortCase(c, t, handle);
    const problems = abortProblems(c, o);
    const how = c.cli ? 'exit 2' : 'rejected by the update validator';
    abortRows.push({
      where: 'abort update',
      input: `${c.name}: ${code(abortInput(c))}`,
      outcome: outcome(problems, `${how}; migration still in ${o.phaseAfter}, no abort recorded`),
      message: code(o.message),
      problems,
    });
  }
  const result = await handle.result();
  for (const row of abortRows) {
    if (result.outcome !== 'migrated') row.problems.push(`the migration ended ${result.outcome}`);
    log(row);
  }
  return {
    rows,
    abortEnding: `${result.vm} ${result.from} → ${result.to} ended **${result.outcome}** (downtime ${Math.round(result.downtimeMs)} ms)`,
  };
}

function render(rows: Row[], abortEnding: string, sanitize: (s: string) => string): string {
  const table = [
    '| where | input | exit code or outcome | message |',
    '| --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.where} | ${sanitize(r.input)} | ${cell(sanitize(r.outcome))} | ${sanitize(r.message)} |`),
  ];
  return [
    '_Generated by `npm run docs:bad-input` (scripts/bad-input-doc.ts); do not edit by hand — regenerate it._',
    '',
    '# Bad input',
    '',
    'Every row was tried for real by the script, against its own Temporal dev server and an in-process',
    'stack (orchestrator and host workers) on the pool of `badInputPool()`; `test/integration/bad-input.test.ts`',
    'asserts the same cases, from the same list (`test/helpers/bad-inputs.ts`).',
    '',
    '* **pool file**: a valid pool file with one change, given to `liveshift up --fresh --pool <file>` with',
    '  `LIVESHIFT_STATE` pointing at the running pool\'s state. "Nothing changed": the state\'s event count',
    '  and pool are the same afterwards and no workflow exists. The valid row is given to `liveshift plan`.',
    '* **CLI**: the `liveshift` command against the running stack. Bad input is exit code 2 and exactly one',
    '  line on stderr; "nothing changed" as above (and no state file created).',
    '* **workflow input**: `temporal workflow start --type liveMigrateVm --task-queue liveshift-orchestrator',
    "  --workflow-id <id> --input '<json>'`, then `temporal workflow result -o json` for the failure and",
    '  `temporal workflow show -o json` for the history: the workflow FAILED with a non-retryable',
    "  `BadRequest` failure, no workflow task failed or was retried, the pool's events are unchanged.",
    `* **abort update**: \`client.workflow.getHandle(id).executeUpdate(abortUpdate, { args })\` on a running`,
    `  migration (or \`liveshift abort\`); the validator rejects it, nothing is recorded in the history, and`,
    `  the migration goes on: ${abortEnding}.`,
    '',
    ...table,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const server = await startDevServer({ ui: false });
  const stack = await startStack({ address: server.address, stateFile: scratchState(badInputPool()) });
  const dir = mkdtempSync(join(tmpdir(), 'liveshift-bad-input-'));
  const t: Target = {
    address: server.address,
    client: stack.client,
    sim: stack.sim,
    stateFile: stack.stateFile,
    dir,
    temporalCli: ensureTemporalCli(),
  };
  let rows: Row[] = [];
  let abortEnding = '';
  try {
    ({ rows, abortEnding } = await collect(t, () => stack.start(ABORT_TARGET)));
  } finally {
    await stack.stop();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const sanitize = (s: string) => s.split(dir).join('<tmp>').split(dirname(t.stateFile)).join('<state dir>');
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, render(rows, abortEnding, sanitize));
  const bad = rows.filter((r) => r.problems.length > 0);
  console.error(`wrote ${OUT}: ${rows.length} inputs, ${bad.length} not refused as expected`);
  if (bad.length > 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
