/**
 * The per-request metrics, kept in plain arrays: a request costs a Map lookup,
 * a bucket search and a few increments (prom-client's labelled inc/observe
 * hash the label object on every call, which shows once the pipeline is fast).
 * Rendered at scrape time as prom-client metric objects on the registry.
 */
import type { Registry } from "prom-client";

type Labels = Record<string, string>;
interface Value {
  labels: Labels;
  value: number;
  metricName?: string;
}

/** A counter family keyed by a fixed label set; inc(key) after the first sighting is a Map hit. */
export class FastCounter {
  private readonly series = new Map<string, { labels: Labels; value: number }>();

  constructor(readonly name: string, readonly help: string) {}

  inc(key: string, labels: () => Labels): void {
    const s = this.series.get(key);
    if (s) s.value++;
    else this.series.set(key, { labels: labels(), value: 1 });
  }

  readonly type = "counter";
  get() {
    return { name: this.name, help: this.help, type: this.type, aggregator: "sum", values: [...this.series.values()].map((s) => ({ labels: s.labels, value: s.value })) };
  }
  reset(): void {
    this.series.clear();
  }
}

/** A histogram family with cumulative-at-render buckets (Prometheus `le` semantics). */
export class FastHistogram {
  private readonly series = new Map<string, { labels: Labels; counts: Float64Array; sum: number; count: number }>();

  constructor(readonly name: string, readonly help: string, private readonly buckets: readonly number[]) {}

  observe(key: string, labels: () => Labels, v: number): void {
    let s = this.series.get(key);
    if (!s) this.series.set(key, (s = { labels: labels(), counts: new Float64Array(this.buckets.length), sum: 0, count: 0 }));
    // Buckets are few (≤ 16): a linear scan from the bottom beats a binary search on typical (small) latencies.
    const b = this.buckets;
    for (let i = 0; i < b.length; i++) {
      if (v <= b[i]!) {
        s.counts[i]!++;
        break;
      }
    }
    s.sum += v;
    s.count++;
  }

  readonly type = "histogram";
  get() {
    const values: Value[] = [];
    for (const s of this.series.values()) {
      let acc = 0;
      this.buckets.forEach((le, i) => {
        acc += s.counts[i]!;
        values.push({ metricName: `${this.name}_bucket`, labels: { ...s.labels, le: String(le) }, value: acc });
      });
      values.push({ metricName: `${this.name}_bucket`, labels: { ...s.labels, le: "+Inf" }, value: s.count });
      values.push({ metricName: `${this.name}_sum`, labels: s.labels, value: s.sum });
      values.push({ metricName: `${this.name}_count`, labels: s.labels, value: s.count });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: "sum", values };
  }
  reset(): void {
    this.series.clear();
  }
}

/** register adds fast metrics to a prom-client registry (it renders anything with name/help/type/get). */
export function register(registry: Registry, ...metrics: (FastCounter | FastHistogram)[]): void {
  for (const m of metrics) registry.registerMetric(m as unknown as Parameters<Registry["registerMetric"]>[0]);
}
