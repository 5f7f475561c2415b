// The `liveshift` command line. Exit codes: 0 ok, 1 operation failed / violations, 2 bad input.
import { Command, CommanderError, Option } from 'commander';
import { DEFAULT_POOL_FILE } from '../workers/config';
import { DEFAULT_CAPS, DEFAULT_CONTINUE_AS_NEW_AFTER } from '../workflows/evacuation-definitions';
import { checkCommand } from './commands/check';
import { demoCommand } from './commands/demo';
import { evacuateCommand } from './commands/evacuate';
import { scheduleActionCommand, scheduleEvacuateCommand, scheduleListCommand } from './commands/schedule';
import { abortCommand, listCommand, statusCommand } from './commands/inspect';
import { migrateCommand } from './commands/migrate';
import { planCommand } from './commands/plan';
import { reportCommand } from './commands/report';
import { ENGINES, upCommand } from './commands/up';
import { command, EXIT } from './errors';

const program = new Command('liveshift')
  .description(
    // One paragraph per line: commander wraps each to the terminal's width.
    [
      'Durable live migration of VMs across a Xen/XAPI-style pool, with early VBD attach, on Temporal.',
      'The Temporal connection is read as the Temporal CLI reads it: a TOML profile (TEMPORAL_PROFILE, ' +
        'TEMPORAL_CONFIG_FILE, default ~/.config/temporalio/temporal.toml), then the environment over it: ' +
        'TEMPORAL_ADDRESS (default localhost:7233), TEMPORAL_NAMESPACE (default), TEMPORAL_API_KEY, TEMPORAL_TLS, ' +
        'TEMPORAL_TLS_CLIENT_CERT_PATH + TEMPORAL_TLS_CLIENT_KEY_PATH (mTLS), TEMPORAL_TLS_SERVER_CA_CERT_PATH, ' +
        'TEMPORAL_TLS_SERVER_NAME. Deprecated aliases: TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY, TEMPORAL_TLS_CA. ' +
        'Credentials never come from flags.',
      'LIVESHIFT_STATE: the pool state file (default .liveshift/pool.db).',
    ].join('\n'),
  )
  .option('--address <host:port>', 'Temporal frontend (overrides TEMPORAL_ADDRESS)')
  .option('--namespace <name>', 'Temporal namespace (overrides TEMPORAL_NAMESPACE)')
  .addHelpText(
    'after',
    '\nExit codes: 0 ok, 1 the operation failed (rolled back, refused) or violations found, 2 bad input (one line on stderr, nothing changed).',
  )
  .exitOverride()
  // Bad input is one line on stderr: commander's errors too (its "(Did you mean ...?)" hint joins the line).
  .configureOutput({
    writeErr: (s) => process.stderr.write(s),
    outputError: (s, write) =>
      write(
        `liveshift: ${s
          .trim()
          .replace(/^error: /, '')
          .replace(/\s*\n\s*/g, ' ')}\n`,
      ),
  });

// Global flags override the environment (and so the profile) before any command reads it
// (workers/config.ts). There is deliberately no flag for a credential: flags end up in shell
// history and `ps`.
program.hook('preAction', (root) => {
  const { address, namespace } = root.opts<{ address?: string; namespace?: string }>();
  if (address !== undefined) process.env.TEMPORAL_ADDRESS = address;
  if (namespace !== undefined) process.env.TEMPORAL_NAMESPACE = namespace;
});

const planOption = () =>
  new Option('--plan <plan>', 'early-attach or legacy').choices(['early-attach', 'legacy']).default('early-attach');
const stackOptions = (c: Command) =>
  c
    .option('--pool <file>', 'pool file (YAML or JSON)', DEFAULT_POOL_FILE)
    .option('--port <port>', 'Temporal frontend port', '7233')
    .option('--ui-port <port>', 'Temporal Web UI port', '8233')
    .addOption(
      new Option('--engine <engine>', 'dev: the dev server on SQLite; postgres: the Temporal server on PostgreSQL')
        .choices(ENGINES)
        .default('dev'),
    );

stackOptions(
  program
    .command('demo')
    .description('start the embedded stack, migrate every sample VM with both plans, print the table'),
)
  .option('--exit', 'stop after the table instead of keeping the stack and Web UI up')
  .action(command(demoCommand));

stackOptions(
  program
    .command('up')
    .description(
      'run Temporal (SQLite, or PostgreSQL with --engine postgres, under .liveshift/), the Web UI, the orchestrator and one worker per host until Ctrl-C',
    ),
)
  .option('--fresh', 're-initialise the pool state from the pool file')
  .action(command(upCommand));

program
  .command('migrate <vm>')
  .description('live-migrate a VM (needs `liveshift up`)')
  .requiredOption('--to <host>', 'destination host')
  .addOption(planOption())
  .option('--json', 'print the result as one JSON object')
  .option('--no-wait', 'print the workflow id and return')
  .addOption(
    new Option(
      '--watch',
      'live view on stdout: phase, atoms, memory copied, elapsed, downtime (plain lines, one per change, when stdout is not a terminal); not with --json or --no-wait; Ctrl-C stops watching, not the migration (exit 130)',
    ).conflicts(['json', 'wait']),
  )
  .action(command(migrateCommand));

const evacuationOptions = (c: Command) =>
  c
    .option('--concurrency <n>', 'migrations at once from this host (cap per source)', String(DEFAULT_CAPS.perSource))
    .option('--per-destination <n>', 'migrations at once to one host', String(DEFAULT_CAPS.perDestination))
    .option('--pool-limit <n>', 'migrations at once in the pool, across evacuations', String(DEFAULT_CAPS.pool))
    .addOption(planOption())
    .addOption(
      new Option('--continue-as-new-after <n>', 'migrations per workflow run before it continues as new').default(
        String(DEFAULT_CONTINUE_AS_NEW_AFTER),
      ),
    );

evacuationOptions(
  program
    .command('evacuate <host>')
    .description(
      'move every VM off a host (needs `liveshift up`): each to a host that reaches its SRs and has the memory, ' +
        'preferring the most early-attachable disks; exit 0 only when every VM moved',
    ),
)
  .option('--json', 'print the result as one JSON object')
  .option('--no-wait', 'print the workflow id and return')
  .addOption(
    new Option(
      '--watch',
      'live view on stdout: each running migration with its phase, atoms and memory copied, finished VMs with outcome and downtime; not with --json or --no-wait; Ctrl-C stops watching, not the evacuation (exit 130)',
    ).conflicts(['json', 'wait']),
  )
  .action(command(evacuateCommand));

const schedule = program
  .command('schedule')
  .description('scheduled maintenance as Temporal Schedules (also on the Web UI Schedules page)');
evacuationOptions(
  schedule
    .command('evacuate <host>')
    .description(
      'evacuate a host on a schedule; an evacuation still running when the next is due skips that one. ' +
        'Creating the same schedule again changes nothing',
    ),
)
  .option('--cron <expression>', 'cron expression, UTC (e.g. "0 3 * * 0": Sundays 03:00)')
  .option('--every <interval>', 'fixed interval: 90s, 30m, 24h, 7d')
  .option('--json', 'print { scheduleId, host, when, created }')
  .action(command(scheduleEvacuateCommand));
schedule
  .command('list')
  .description("liveshift's schedules: host, when, paused, next and last run")
  .option('--json', 'JSON output')
  .action(command(scheduleListCommand));
for (const action of ['pause', 'unpause', 'delete'] as const)
  schedule
    .command(`${action} <scheduleId>`)
    .description(`${action} a schedule`)
    .action(command(scheduleActionCommand(action)));

program
  .command('plan <vm>')
  .description("dry run: the plan, each VBD's early-attach decision and predicted downtime (no server needed)")
  .requiredOption('--to <host>', 'destination host')
  .addOption(planOption())
  .option('--pool <file>', 'pool file (default: the live state, else examples/pool.yaml)')
  .option('--json', 'JSON output')
  .action(command(planCommand));

program
  .command('status <workflowId>')
  .description('phase, progress and result of a migration')
  .option('--json', 'JSON output')
  .action(command(statusCommand));
program
  .command('abort <workflowId>')
  .description(
    'roll a migration back (refused after the destination unpause), or stop an evacuation starting more migrations',
  )
  .option('--reason <text>', 'recorded with the abort', 'operator request')
  .action(command(abortCommand));
program
  .command('list')
  .description('migrations known to Temporal')
  .option('--json', 'JSON output')
  .action(command(listCommand));
program
  .command('report <workflowId...>')
  .description(
    'an HTML timeline of finished migrations on one time axis (self-contained page, no server needed to view)',
  )
  .option('--out <file>', 'the HTML file to write (default: report.html beside the state file, .liveshift/report.html)')
  .addHelpText(
    'after',
    '\nEach id is <workflowId> (its latest run) or <workflowId>@<runId> (that run): all migrations of a VM share\n' +
      'the workflow id migrate-<vm uuid>, so compare two of them by run id, e.g.\n' +
      '  liveshift report migrate-<uuid>@<run id 1> migrate-<uuid>@<run id 2> --out cmp.html\n' +
      'One lane per host, a bar per atom, the downtime window shaded, early-attached disks marked; hover for details.\n' +
      'An unknown id, or a workflow that is not a completed migration, is bad input (exit 2, nothing written).',
  )
  .action(command(reportCommand));
program
  .command('check')
  .description(
    'audit the event log against the four invariants (and QEMU itself on qemu hosts); exit 1 on any violation',
  )
  .option('--pool <file>', 'pool file the state must belong to')
  .option('--json', 'JSON output')
  .action(command(checkCommand));

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.badInput;
    return;
  }
  console.error(`liveshift: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = EXIT.failed;
});
