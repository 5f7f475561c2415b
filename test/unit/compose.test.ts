// docker-compose.yml against the native topology (engine/topology.ts and the constants it reads):
// the same services, ports, databases, schema steps, search attributes, dynamic config and
// environment variables, so the two cannot drift; and the file is valid for docker-compose itself.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { validateCompose } from '../../engine/docker-compose';
import { DYNAMIC_CONFIG } from '../../engine/server-config';
import { namespaceCommand, schemaSteps, searchAttributeCommand, TOPOLOGY } from '../../engine/topology';
import { loadPoolFile } from '../../sim/pool-file';
import { CONFIG_VARIABLES, DEFAULT_POOL_FILE } from '../../workers/config';

const serviceSchema = z
  .object({
    image: z.string().optional(),
    command: z.union([z.string(), z.array(z.string())]).optional(),
    environment: z.record(z.string()).optional(),
    ports: z.array(z.string()).optional(),
    depends_on: z.record(z.object({ condition: z.string() })).optional(),
    healthcheck: z
      .object({ test: z.array(z.string()) })
      .passthrough()
      .optional(),
    volumes: z.array(z.string()).optional(),
  })
  .passthrough();
const compose = z
  .object({ services: z.record(serviceSchema) })
  .passthrough()
  .parse(parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }));
const services = compose.services;
const service = (name: string) => services[name] ?? expect.fail(`docker-compose.yml has no service ${name}`);
const command = (name: string) => [service(name).command ?? []].flat().join(' ').replace(/\s+/g, ' ');
const hosts = loadPoolFile(DEFAULT_POOL_FILE).hosts.map((h) => h.name);

// Facts of the images, not of liveshift: where admin-tools keeps the schema, the UI's own port.
const IMAGE_SCHEMA_ROOT = '/etc/temporal/schema/postgresql/v12';
const UI_CONTAINER_PORT = 8080;
const POSTGRES_PORT = 5432;

describe('docker-compose.yml', () => {
  it('names the services of the native topology, a host process per host of the example pool', () => {
    const expected = [...Object.values(TOPOLOGY.services), ...Object.values(TOPOLOGY.setupSteps), ...hosts];
    expect(Object.keys(services).sort()).toEqual(expected.sort());
  });

  it('publishes the frontend and Web UI on the native ports', () => {
    expect(service(TOPOLOGY.services.temporal).ports).toEqual([`${TOPOLOGY.frontendPort}:${TOPOLOGY.frontendPort}`]);
    expect(service(TOPOLOGY.services.ui).ports).toEqual([`${TOPOLOGY.uiPort}:${UI_CONTAINER_PORT}`]);
  });

  it('runs the server on the same plugin, databases, user and shard count', () => {
    expect(service(TOPOLOGY.services.temporal).environment).toMatchObject({
      DB: TOPOLOGY.sqlPlugin,
      DBNAME: TOPOLOGY.databases.default,
      VISIBILITY_DBNAME: TOPOLOGY.databases.visibility,
      POSTGRES_USER: TOPOLOGY.dbUser,
      POSTGRES_SEEDS: TOPOLOGY.services.postgresql,
      NUM_HISTORY_SHARDS: String(TOPOLOGY.numHistoryShards),
    });
    expect(service(TOPOLOGY.services.postgresql).environment).toMatchObject({ POSTGRES_USER: TOPOLOGY.dbUser });
  });

  it('gives the server the dynamic config of the native topology', () => {
    const temporal = service(TOPOLOGY.services.temporal);
    const mount = temporal.volumes?.find((v) => v.includes('dynamicconfig')) ?? '';
    const [file, target] = mount.split(':');
    expect(target).toBe(`/etc/temporal/${temporal.environment?.DYNAMIC_CONFIG_FILE_PATH}`);
    const values = Object.entries(
      z.record(z.array(z.object({ value: z.unknown() }))).parse(parse(readFileSync(file!, 'utf8'))),
    );
    expect(Object.fromEntries(values.map(([k, v]) => [k, v[0]?.value]))).toEqual(DYNAMIC_CONFIG);
  });

  it('sets up the schema with the same SQL tool steps', () => {
    const at = { host: TOPOLOGY.services.postgresql, port: POSTGRES_PORT, schemaRoot: IMAGE_SCHEMA_ROOT };
    const steps = (['default', 'visibility'] as const).flatMap((role) => schemaSteps(role, at));
    const script = command(TOPOLOGY.setupSteps.schema);
    for (const step of steps) expect(script).toContain(`temporal-sql-tool ${step.join(' ')}`);
  });

  it('creates the namespace and registers every search attribute of workflows/definitions.ts', () => {
    const script = command(TOPOLOGY.setupSteps.namespace);
    for (const args of [namespaceCommand(), searchAttributeCommand()])
      expect(script).toContain(`temporal ${args.join(' ')}`);
  });

  it('gives every liveshift process the variables the native stack sets, and only variables it reads', () => {
    for (const name of [TOPOLOGY.services.orchestrator, TOPOLOGY.setupSteps.pool, ...hosts]) {
      const env = service(name).environment ?? {};
      expect(Object.keys(env)).toEqual(expect.arrayContaining([...TOPOLOGY.workerEnv]));
      expect(CONFIG_VARIABLES).toEqual(expect.arrayContaining(Object.keys(env)));
      expect(env.TEMPORAL_ADDRESS).toBe(`${TOPOLOGY.services.temporal}:${TOPOLOGY.frontendPort}`);
      expect(env.TEMPORAL_NAMESPACE).toBe(TOPOLOGY.namespace);
    }
  });

  it('runs each host process as its host, its agent reached by the service name', () => {
    for (const host of hosts) {
      expect(command(host)).toBe(`workers/host-process.ts ${host}`);
      const env = service(host).environment ?? {};
      expect(Object.keys(env)).toEqual(expect.arrayContaining([...TOPOLOGY.agentEnv]));
      expect(env.LIVESHIFT_AGENT_ADVERTISE).toBe(host);
      expect(service(host).healthcheck?.test.join(' ')).toContain(`:${env.LIVESHIFT_AGENT_PORT}/`);
    }
    expect(command(TOPOLOGY.services.orchestrator)).toBe('workers/orchestrator-process.ts');
    expect(command(TOPOLOGY.setupSteps.pool)).toBe(`workers/pool-init.ts ${DEFAULT_POOL_FILE}`);
    // The image runs its command as the supervisor runs a child (workers/supervisor.ts).
    expect(readFileSync('Dockerfile', 'utf8')).toContain('ENTRYPOINT ["node", "--require", "tsx/cjs"]');
  });

  it('starts each service after what it needs is healthy or done', () => {
    for (const [name, s] of Object.entries(services))
      for (const [dep, { condition }] of Object.entries(s.depends_on ?? {})) {
        const needed = service(dep);
        if (condition === 'service_healthy') expect(needed.healthcheck, `${name} waits for ${dep}`).toBeDefined();
        else expect(condition, `${name} → ${dep}`).toBe('service_completed_successfully');
      }
  });

  it('is valid for docker-compose (config -q)', () => {
    const env = { ...process.env, POSTGRES_PASSWORD: 'check-only', LIVESHIFT_AGENT_TOKEN: 'check-only' };
    const r = validateCompose('docker-compose.yml', env);
    expect(r.output).toBe('');
    expect(r.ok).toBe(true);
  });
});
