// The `default` namespace and liveshift's search attributes on a fresh server, with the Temporal
// CLI's operator commands (the same commands docker-compose.yml's set-up service runs), then
// waiting until a visibility query by them is accepted. Safe to run against a set-up server.
import { Connection } from '@temporalio/client';
import { searchAttributes } from '../workflows/definitions';
import { EngineError, run } from './run';
import { namespaceCommand, searchAttributeCommand, TOPOLOGY } from './topology';

const ALREADY = /already (exists|registered)/i;
const READY_WITHIN_MS = 30_000;

/** Runs an operator command; "already exists" counts as done (a second `up`). */
async function operator(cli: string, address: string, args: string[]): Promise<void> {
  await run(cli, [...args, '--address', address], { what: `temporal ${args.slice(0, 3).join(' ')}` }).catch(
    (err: EngineError) => {
      if (!ALREADY.test(err.message)) throw err;
    },
  );
}

/** Retries a step the server may refuse for a moment after it starts (a namespace not yet cached). */
async function retrying(step: () => Promise<void>, withinMs = READY_WITHIN_MS): Promise<void> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      return await step();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

export async function ensureNamespace(cli: string, address: string): Promise<void> {
  await retrying(() => operator(cli, address, namespaceCommand()));
  await retrying(() => operator(cli, address, searchAttributeCommand()));
  await retrying(() => queryable(address));
}

/** Every search attribute listed with its type, and a visibility query on one of them accepted. */
async function queryable(address: string): Promise<void> {
  const connection = await Connection.connect({ address, connectTimeout: 2000 });
  try {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({
      namespace: TOPOLOGY.namespace,
    });
    const missing = Object.values(searchAttributes).filter((k) => customAttributes?.[k.name] === undefined);
    if (missing.length > 0)
      throw new EngineError(`search attributes not registered: ${missing.map((k) => k.name).join(', ')}`);
    // The query names a custom attribute: the frontend must map it to its visibility column.
    const query = `${searchAttributes.VmName.name} = 'probe'`;
    await connection.workflowService.listWorkflowExecutions({ namespace: TOPOLOGY.namespace, query, pageSize: 1 });
  } finally {
    await connection.close();
  }
}
