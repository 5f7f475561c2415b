// The Prometheus endpoints of a stack run like `liveshift up` (the orchestrator in this process,
// each host in its own supervised process), scraped over HTTP: liveshift's migration metrics agree
// with the migrations' results, every process serves the Temporal SDK's own metrics, a scrape
// without the token is refused, and a non-loopback bind without a token refuses to start.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../cli/temporal-server';
import type { MigrationResult } from '../../domain/request';
import { Secret } from '../../workers/config';
import type { Stack } from '../../workers/stack';
import { liveshift } from '../helpers/cli';
import { e2ePool } from '../helpers/pools';
import { stackFor } from '../helpers/server';

const token = new Secret(`metrics-${randomUUID()}`);

/** `auth` null: no Authorization header at all. */
async function scrape(url: string | undefined, auth: Secret | null = token): Promise<Response> {
  if (!url) throw new Error('no metrics endpoint');
  return fetch(url, { headers: auth ? { authorization: `Bearer ${auth.reveal()}` } : {} });
}

const scrapeText = async (url: string | undefined) => (await scrape(url)).text();

/** The value of one sample line `name{labels} value`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('metrics endpoints', () => {
  let stack: Stack;
  const log: string[] = [];
  const results: MigrationResult[] = [];

  beforeAll(async () => {
    stack = await stackFor(e2ePool('metrics', { timeScale: 0.2 }), {
      hostProcesses: true,
      metrics: { bind: '127.0.0.1', port: 0, token },
      log: (line) => log.push(line),
    });
    results.push(await stack.migrate({ vm: 'vm-1', to: 'host-b', plan: 'early-attach' }));
    results.push(await stack.migrate({ vm: 'vm-1', to: 'host-a', plan: 'legacy' }));
    // Fails after the suspend, so the rollback's downtime is real and counted too.
    stack.sim.addFault({ atom: 'VBD_activate', host: 'host-b', vm: 'vm-1', device: 'xvdc', effect: 'fail', times: 10 });
    results.push(await stack.migrate({ vm: 'vm-1', to: 'host-b', plan: 'early-attach' }));
    stack.sim.clearFaults();
  });
  afterAll(() => stack?.stop());

  it('ran a migration of each plan and one that rolled back on a fault', () => {
    expect(results.map((r) => `${r.plan} ${r.outcome}`)).toEqual([
      'early-attach migrated',
      'legacy migrated',
      'early-attach rolled-back',
    ]);
    expect(results.every((r) => r.downtimeMs > 0)).toBe(true);
  });

  it('counts them by plan and outcome, the rollback by cause, and the early-attached disks', async () => {
    const text = await scrapeText(stack.metricsUrl);
    expect(sample(text, 'liveshift_migrations_total{plan="early-attach",outcome="migrated"}')).toBe(1);
    expect(sample(text, 'liveshift_migrations_total{plan="legacy",outcome="migrated"}')).toBe(1);
    expect(sample(text, 'liveshift_migrations_total{plan="early-attach",outcome="rolled-back"}')).toBe(1);
    expect(sample(text, 'liveshift_migrations_total{plan="legacy",outcome="rolled-back"}')).toBe(0);
    expect(sample(text, 'liveshift_rollbacks_total{cause="fault"}')).toBe(1);
    expect(sample(text, 'liveshift_rollbacks_total{cause="aborted"}')).toBe(0);
    expect(sample(text, 'liveshift_early_attached_disks_total')).toBe(results[0]!.earlyAttached.length);
    expect(results[0]!.earlyAttached.length).toBe(2);
  });

  it("has downtime and idle histograms whose _count and _sum are the results' own figures", async () => {
    const text = await scrapeText(stack.metricsUrl);
    for (const r of results) {
      const labels = `{plan="${r.plan}",outcome="${r.outcome}"}`;
      expect(sample(text, `liveshift_downtime_milliseconds_count${labels}`)).toBe(1);
      expect(sample(text, `liveshift_downtime_milliseconds_sum${labels}`)).toBeCloseTo(r.downtimeMs, 6);
      expect(sample(text, `liveshift_downtime_milliseconds_bucket${labels.replace('}', ',le="+Inf"}')}`)).toBe(1);
      expect(sample(text, `liveshift_idle_in_downtime_milliseconds_sum${labels}`)).toBeCloseTo(r.idleInDowntimeMs, 6);
    }
  });

  it('serves the Temporal SDK runtime metrics after liveshift’s, in the orchestrator and every host process', async () => {
    const res = await scrape(stack.metricsUrl);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await res.text()).toMatch(/^liveshift_migrations_total[\s\S]*^temporal_\w+/m);
    expect(log).toContain(`liveshift: orchestrator metrics at ${stack.metricsUrl}`);
    for (const [name, host] of stack.hosts) {
      expect(host.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      expect(log).toContain(`liveshift: host worker ${name} metrics at ${host.metricsUrl}`);
      const text = await scrapeText(host.metricsUrl);
      expect(text).toMatch(/^temporal_\w+/m);
      expect(text).not.toMatch(/liveshift_migrations_total/);
    }
  });

  it('refuses a scrape without the token, or with a wrong one', async () => {
    const urls = [stack.metricsUrl, ...[...stack.hosts.values()].map((h) => h.metricsUrl)];
    for (const url of urls) {
      expect((await scrape(url, null)).status).toBe(401);
      expect((await scrape(url, new Secret('wrong'))).status).toBe(401);
    }
  });
});

describe('metrics bound to a non-loopback address', () => {
  const exposed = { LIVESHIFT_METRICS_PORT: '0', LIVESHIFT_METRICS_BIND: '0.0.0.0', LIVESHIFT_METRICS_TOKEN: '' };

  it('make `liveshift up` refuse to start without a token, in one line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'liveshift-metrics-'));
    const [port, uiPort] = [String(await freePort()), String(await freePort())];
    const run = await liveshift(['up', '--port', port, '--ui-port', uiPort], {
      ...exposed,
      LIVESHIFT_STATE: join(dir, 'pool.db'),
    });
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/LIVESHIFT_METRICS_BIND=0\.0\.0\.0 is not a loopback address: set LIVESHIFT_METRICS_TOKEN/),
    ]);
  });

  it('make a host process refuse to start without a token, in one line', async () => {
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', resolve('workers/host-process.ts'), 'host-a'], {
      env: { ...process.env, ...exposed, LIVESHIFT_STATE: join(mkdtempSync(join(tmpdir(), 'liveshift-')), 'x.db') },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((done) => child.once('close', done));
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^host worker: configuration: LIVESHIFT_METRICS_BIND=0\.0\.0\.0 .*LIVESHIFT_METRICS_TOKEN/),
    ]);
  });
});
