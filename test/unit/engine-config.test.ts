// The PostgreSQL topology's generated configuration: the dynamic config every key of which the
// server itself knows, the server config's stores and ports, and the ports' bound (the schema
// keeps a member's port in a smallint).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ensureTemporalServer } from '../../cli/temporal-server-build';
import { serverPorts } from '../../engine/ports';
import { renderDynamicConfig, renderServerConfig, SERVER_ROLES } from '../../engine/server-config';
import { TOPOLOGY } from '../../engine/topology';

const dir = mkdtempSync(join(tmpdir(), 'liveshift-engine-config-'));

describe('the PostgreSQL topology configuration', () => {
  it('writes a dynamic config whose every key the Temporal server knows', () => {
    const file = join(dir, 'dynamic.yaml');
    writeFileSync(file, renderDynamicConfig());
    const said = execFileSync(ensureTemporalServer().server, ['validate-dynamic-config', file], { encoding: 'utf8' });
    expect(said).not.toMatch(/warning|error/i);
  });

  it('picks distinct ports below 32768 and reuses them on the next start', async () => {
    const file = join(dir, 'ports.json');
    const ports = await serverPorts(file);
    const all = [...Object.values(ports.grpc), ...Object.values(ports.membership), ports.frontendHttp];
    expect(new Set(all).size).toBe(all.length);
    for (const p of all) expect(p).toBeLessThan(32768);
    expect(await serverPorts(file)).toEqual(ports);
    // Another frontend port asked for: a new set.
    expect((await serverPorts(file, 7299)).grpc.frontend).toBe(7299);
  });

  it('puts both stores on PostgreSQL and every role on loopback', async () => {
    const ports = await serverPorts(join(dir, 'ports-2.json'));
    const postgres = { host: '127.0.0.1', port: 5999, user: TOPOLOGY.dbUser, password: 'p' };
    const config = parse(renderServerConfig({ postgres, ports, dynamicConfigFile: '/d.yaml' })) as {
      persistence: { numHistoryShards: number; datastores: Record<string, { sql: Record<string, unknown> }> };
      services: Record<string, { rpc: { grpcPort: number; bindOnLocalHost: boolean } }>;
    };
    expect(config.persistence.numHistoryShards).toBe(TOPOLOGY.numHistoryShards);
    const dbs = Object.values(config.persistence.datastores).map((d) => d.sql);
    expect(dbs.map((d) => d.databaseName).sort()).toEqual(Object.values(TOPOLOGY.databases).sort());
    for (const d of dbs) expect(d).toMatchObject({ pluginName: TOPOLOGY.sqlPlugin, connectAddr: '127.0.0.1:5999' });
    expect(Object.keys(config.services).sort()).toEqual([...SERVER_ROLES].sort());
    for (const role of SERVER_ROLES) expect(config.services[role]!.rpc).toMatchObject({ bindOnLocalHost: true });
  });
});
