// A minimal Prometheus registry and its text exposition format (version 0.0.4): counters and
// histograms with labels, which is all liveshift's own metrics need. Written here rather than
// taken from a package: it is a page of code, and the Temporal SDK's metrics come from its own
// exporter anyway (metrics/sdk-exporter.ts).

export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type Labels = Readonly<Record<string, string>>;

/** A metric or label name the format does not allow: a programming error, caught at start. */
export class MetricDefinitionError extends Error {
  override name = 'MetricDefinitionError';
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Sample values and bucket bounds: Go's spelling of the infinities, which Prometheus parses. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

const escapeLabelValue = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const escapeHelp = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

/** `{a="x",b="y"}`, or nothing without labels. Label order is the caller's, kept stable per series. */
export function formatLabels(labels: Labels): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`);
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
}

function checkLabels(labels: Labels, reserved: readonly string[] = []): void {
  for (const name of Object.keys(labels))
    if (!LABEL_NAME.test(name) || name.startsWith('__') || reserved.includes(name))
      throw new MetricDefinitionError(`invalid label name "${name}"`);
}

/** One series per distinct label set, in the order they first appeared. */
class Series<T> {
  private readonly byKey = new Map<string, { labels: Labels; state: T }>();
  constructor(private readonly fresh: () => T) {}
  get(labels: Labels): T {
    const key = JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
    let entry = this.byKey.get(key);
    if (!entry) this.byKey.set(key, (entry = { labels, state: this.fresh() }));
    return entry.state;
  }
  entries(): { labels: Labels; state: T }[] {
    return [...this.byKey.values()];
  }
}

abstract class Family {
  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly type: 'counter' | 'histogram',
  ) {
    if (!METRIC_NAME.test(name)) throw new MetricDefinitionError(`invalid metric name "${name}"`);
  }
  render(): string[] {
    return [`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.type}`, ...this.samples()];
  }
  protected abstract samples(): string[];
}

export class Counter extends Family {
  private readonly series = new Series(() => ({ value: 0 }));
  constructor(name: string, help: string) {
    super(name, help, 'counter');
  }
  /** `by` 0 declares a series (so it is scraped as 0 before its first event). */
  inc(labels: Labels = {}, by = 1): void {
    checkLabels(labels);
    if (!(by >= 0)) throw new MetricDefinitionError(`${this.name}: a counter only goes up (got ${by})`);
    this.series.get(labels).value += by;
  }
  protected samples(): string[] {
    return this.series.entries().map((e) => `${this.name}${formatLabels(e.labels)} ${formatValue(e.state.value)}`);
  }
}

export class Histogram extends Family {
  private readonly bounds: readonly number[];
  private readonly series: Series<{ counts: number[]; sum: number; count: number }>;
  constructor(name: string, help: string, buckets: readonly number[]) {
    super(name, help, 'histogram');
    if (buckets.some((b, i) => i > 0 && b <= (buckets[i - 1] ?? -Infinity)))
      throw new MetricDefinitionError(`${name}: bucket bounds must increase`);
    // The +Inf bucket is always there, and holds every observation.
    this.bounds = [...buckets.filter((b) => b !== Infinity), Infinity];
    this.series = new Series(() => ({ counts: this.bounds.map(() => 0), sum: 0, count: 0 }));
  }
  observe(labels: Labels, value: number): void {
    checkLabels(labels, ['le']);
    const s = this.series.get(labels);
    const bucket = this.bounds.findIndex((b) => value <= b);
    s.counts[bucket === -1 ? this.bounds.length - 1 : bucket]! += 1;
    s.sum += value;
    s.count += 1;
  }
  protected samples(): string[] {
    return this.series.entries().flatMap(({ labels, state }) => {
      let cumulative = 0;
      const buckets = this.bounds.map((b, i) => {
        cumulative += state.counts[i] ?? 0;
        return `${this.name}_bucket${formatLabels({ ...labels, le: formatValue(b) })} ${cumulative}`;
      });
      const plain = formatLabels(labels);
      return [
        ...buckets,
        `${this.name}_sum${plain} ${formatValue(state.sum)}`,
        `${this.name}_count${plain} ${state.count}`,
      ];
    });
  }
}

export class Registry {
  private readonly families: Family[] = [];
  private add<F extends Family>(family: F): F {
    if (this.families.some((f) => f.name === family.name))
      throw new MetricDefinitionError(`metric ${family.name} is defined twice`);
    this.families.push(family);
    return family;
  }
  counter(name: string, help: string): Counter {
    return this.add(new Counter(name, help));
  }
  histogram(name: string, help: string, buckets: readonly number[]): Histogram {
    return this.add(new Histogram(name, help, buckets));
  }
  /** Every family, in definition order, ending with a newline as the format requires. */
  render(): string {
    const lines = this.families.flatMap((f) => f.render());
    return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
  }
}
