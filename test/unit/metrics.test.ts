// liveshift's metrics without a server: the Prometheus text format written by metrics/exposition.ts,
// the migration metrics counted once per migration id, the rollback cause labels, and the
// configuration that keeps the endpoint on loopback unless a token authenticates scrapers.
import { ActivityFailure, ApplicationFailure, RetryState, TimeoutFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { FailureType } from '../../domain/errors';
import { formatLabels, formatValue, MetricDefinitionError, Registry } from '../../metrics/exposition';
import { startMetricsEndpoint } from '../../metrics/endpoint';
import { MigrationMetrics, type MigrationRecord } from '../../metrics/migration-metrics';
import { ConfigError, loadConfig, Secret } from '../../workers/config';
import { rollbackCauseOf } from '../../workflows/rollback';

/** The value of one sample line `name{labels} value` in an exposition. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('Prometheus text exposition', () => {
  it('writes HELP and TYPE, then one line per series, escaping label values and help', () => {
    const r = new Registry();
    const c = r.counter('jobs_total', 'Jobs done.\nBy kind \\ state.');
    c.inc({ kind: 'a "quoted"\nname\\x' });
    c.inc({ kind: 'b' }, 2);
    c.inc({ kind: 'b' });
    expect(r.render()).toBe(
      [
        '# HELP jobs_total Jobs done.\\nBy kind \\\\ state.',
        '# TYPE jobs_total counter',
        'jobs_total{kind="a \\"quoted\\"\\nname\\\\x"} 1',
        'jobs_total{kind="b"} 3',
        '',
      ].join('\n'),
    );
  });

  it('writes a histogram as cumulative buckets ending in +Inf, then _sum and _count', () => {
    const r = new Registry();
    const h = r.histogram('wait_ms', 'Waits.', [1, 10]);
    for (const v of [0.5, 1, 7, 30]) h.observe({ plan: 'p' }, v);
    expect(r.render().split('\n').slice(2)).toEqual([
      'wait_ms_bucket{plan="p",le="1"} 2',
      'wait_ms_bucket{plan="p",le="10"} 3',
      'wait_ms_bucket{plan="p",le="+Inf"} 4',
      'wait_ms_sum{plan="p"} 38.5',
      'wait_ms_count{plan="p"} 4',
      '',
    ]);
  });

  it('spells numbers and labels as the format wants', () => {
    expect([formatValue(Infinity), formatValue(-Infinity), formatValue(NaN), formatValue(2.5)]).toEqual([
      '+Inf',
      '-Inf',
      'NaN',
      '2.5',
    ]);
    expect(formatLabels({})).toBe('');
    expect(new Registry().render()).toBe('');
  });

  it('refuses names the format does not allow, a counter going down and unordered buckets', () => {
    const r = new Registry();
    expect(() => r.counter('bad-name', 'x')).toThrow(MetricDefinitionError);
    const c = r.counter('ok_total', 'x');
    expect(() => r.counter('ok_total', 'again')).toThrow(/defined twice/);
    expect(() => c.inc({ 'bad-label': 'v' })).toThrow(/invalid label name/);
    expect(() => c.inc({}, -1)).toThrow(/only goes up/);
    expect(() => r.histogram('h', 'x', [5, 1])).toThrow(/must increase/);
    expect(() => r.histogram('h2', 'x', [1]).observe({ le: '1' }, 1)).toThrow(/invalid label name "le"/);
  });
});

const migrated = (id: string, extra: Partial<MigrationRecord> = {}): MigrationRecord => ({
  migrationId: id,
  plan: 'early-attach',
  outcome: 'migrated',
  downtime: { downtimeMs: 42, idleInDowntimeMs: 3 },
  earlyAttached: 2,
  ...extra,
});

describe('migration metrics', () => {
  it('scrapes every plan × outcome and every rollback cause as 0 before anything happened', () => {
    const text = new MigrationMetrics().render();
    expect(sample(text, 'liveshift_migrations_total{plan="legacy",outcome="failed"}')).toBe(0);
    expect(sample(text, 'liveshift_rollbacks_total{cause="host-unreachable"}')).toBe(0);
    expect(sample(text, 'liveshift_early_attached_disks_total')).toBe(0);
  });

  it('counts a migration once, however often its end is recorded (local activity retries)', () => {
    const m = new MigrationMetrics();
    expect(m.record(migrated('run-1'))).toBe(true);
    expect(m.record(migrated('run-1'))).toBe(false);
    m.record(
      migrated('run-2', { plan: 'legacy', earlyAttached: 0, downtime: { downtimeMs: 900, idleInDowntimeMs: 5 } }),
    );
    const text = m.render();
    expect(sample(text, 'liveshift_migrations_total{plan="early-attach",outcome="migrated"}')).toBe(1);
    expect(sample(text, 'liveshift_migrations_total{plan="legacy",outcome="migrated"}')).toBe(1);
    expect(sample(text, 'liveshift_downtime_milliseconds_count{plan="early-attach",outcome="migrated"}')).toBe(1);
    expect(sample(text, 'liveshift_downtime_milliseconds_sum{plan="legacy",outcome="migrated"}')).toBe(900);
    expect(sample(text, 'liveshift_downtime_milliseconds_bucket{plan="legacy",outcome="migrated",le="500"}')).toBe(0);
    expect(sample(text, 'liveshift_downtime_milliseconds_bucket{plan="legacy",outcome="migrated",le="1000"}')).toBe(1);
    expect(sample(text, 'liveshift_idle_in_downtime_milliseconds_sum{plan="early-attach",outcome="migrated"}')).toBe(3);
    expect(sample(text, 'liveshift_early_attached_disks_total')).toBe(2);
  });

  it('counts a rollback by cause, its early disks not as attached, and no downtime when the VM never paused', () => {
    const m = new MigrationMetrics();
    m.record(migrated('run-3', { outcome: 'rolled-back', downtime: null, rollbackCause: 'fault' }));
    const text = m.render();
    expect(sample(text, 'liveshift_migrations_total{plan="early-attach",outcome="rolled-back"}')).toBe(1);
    expect(sample(text, 'liveshift_rollbacks_total{cause="fault"}')).toBe(1);
    expect(sample(text, 'liveshift_early_attached_disks_total')).toBe(0);
    expect(text).not.toMatch(/liveshift_downtime_milliseconds_count/);
  });
});

describe('rollback causes', () => {
  const activity = (cause: Error) =>
    new ActivityFailure('activity failed', 'VBD_attach', '7', RetryState.MAXIMUM_ATTEMPTS_REACHED, 'w', cause);

  it('are read from the failure chain: typed host failures, timeouts, anything else', () => {
    const typed = (type: string) => ApplicationFailure.create({ type, message: type });
    expect(rollbackCauseOf(activity(typed(FailureType.InjectedFault)))).toBe('fault');
    expect(rollbackCauseOf(typed(FailureType.HostUnreachable))).toBe('host-unreachable');
    expect(rollbackCauseOf(typed(FailureType.Aborted))).toBe('aborted');
    expect(rollbackCauseOf(activity(new TimeoutFailure('timed out', undefined, 'START_TO_CLOSE')))).toBe('timeout');
    expect(rollbackCauseOf(activity(typed('SomethingElse')))).toBe('other');
    expect(rollbackCauseOf(new Error('a bug'))).toBe('other');
  });
});

describe('metrics configuration', () => {
  it('has no endpoint unless LIVESHIFT_METRICS_PORT is set, and binds loopback by default', () => {
    expect(loadConfig({}).metrics).toBeUndefined();
    expect(loadConfig({ LIVESHIFT_METRICS_PORT: '0' }).metrics).toMatchObject({ bind: '127.0.0.1', port: 0 });
  });

  it('refuses a non-loopback bind without a token, in one line, and accepts it with one', () => {
    const env = { LIVESHIFT_METRICS_PORT: '9464', LIVESHIFT_METRICS_BIND: '0.0.0.0' };
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(
      /^configuration: .*LIVESHIFT_METRICS_BIND=0\.0\.0\.0 .*LIVESHIFT_METRICS_TOKEN[^\n]*$/,
    );
    expect(loadConfig({ ...env, LIVESHIFT_METRICS_TOKEN: 's3cret' }).metrics?.token).toBeInstanceOf(Secret);
  });

  it('the endpoint itself refuses to start on a non-loopback address without a token', async () => {
    await expect(startMetricsEndpoint({ bind: '0.0.0.0', port: 0 })).rejects.toThrow(/LIVESHIFT_METRICS_TOKEN/);
  });
});
