// Temporal's databases on the cluster, created and brought to the latest schema by Temporal's own
// SQL tool (engine/topology.ts `schemaSteps`, the same steps docker-compose.yml's set-up runs).
// Every step is a no-op when already done, so this runs at every start.
import { run } from './run';
import { schemaSteps, TOPOLOGY, type DatabaseRole } from './topology';

export interface SchemaTarget {
  sqlTool: string;
  /** The server module's `schema/postgresql/v12`. */
  schemaRoot: string;
  host: string;
  port: number;
  password: string;
}

export async function ensureSchema(t: SchemaTarget): Promise<void> {
  // The password goes by environment, never on a command line `ps` shows.
  const env = { ...process.env, SQL_PASSWORD: t.password };
  for (const role of Object.keys(TOPOLOGY.databases) as DatabaseRole[]) {
    const what = `the schema of ${TOPOLOGY.databases[role]}`;
    for (const args of schemaSteps(role, { host: t.host, port: t.port, schemaRoot: t.schemaRoot }))
      await run(t.sqlTool, args, { what, env });
  }
}
