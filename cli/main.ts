// The `liveshift` command line. Exit codes: 0 ok, 1 operation failed / violations, 2 bad input.
import { Command, CommanderError, Option } from 'commander';
import { DEFAULT_POOL_FILE } from '../workers/config';
import { checkCommand } from './commands/check';
import { demoCommand } from './commands/demo';
import { abortCommand, listCommand, statusCommand } from './commands/inspect';
import { migrateCommand } from './commands/migrate';
import { planCommand } from './commands/plan';
import { upCommand } from './commands/up';
import { command, EXIT } from './errors';

const program = new Command('liveshift')
  .description(
    'Durable live migration of VMs across a Xen/XAPI-style pool, with early VBD attach, on Temporal.\n' +
      'Environment: TEMPORAL_ADDRESS (default localhost:7233), TEMPORAL_NAMESPACE (default),\n' +
      'LIVESHIFT_STATE (default .liveshift/pool.db). TLS and credentials from the environment only:\n' +
      'TEMPORAL_TLS_CERT + TEMPORAL_TLS_KEY (mTLS), TEMPORAL_TLS_CA, TEMPORAL_TLS_SERVER_NAME, TEMPORAL_TLS,\n' +
      'TEMPORAL_API_KEY.',
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

// Global flags override the environment before any command reads it (workers/config.ts). There is
// deliberately no flag for a credential: flags end up in shell history and `ps`.
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
    .option('--ui-port <port>', 'Temporal Web UI port', '8233');

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
      'run Temporal (SQLite under .liveshift/), the Web UI, the orchestrator and one worker per host until Ctrl-C',
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
  .description('roll a migration back (refused after the destination unpause)')
  .option('--reason <text>', 'recorded with the abort', 'operator request')
  .action(command(abortCommand));
program
  .command('list')
  .description('migrations known to Temporal')
  .option('--json', 'JSON output')
  .action(command(listCommand));
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
