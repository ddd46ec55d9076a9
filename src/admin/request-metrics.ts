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

export interface CounterSeries {
  readonly labels: Labels;
  value: number;
}
export interface HistogramSeries {
  readonly labels: Labels;
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

/** A counter family keyed by a fixed label set; inc(key) after the first sighting is a Map hit. */
export class FastCounter {
  private readonly series = new Map<string, CounterSeries>();

  constructor(readonly name: string, readonly help: string) {}

  inc(key: string, labels: () => Labels): void {
    this.seriesOf(key, labels).value++;
  }

  /** The series for `key` (made with `labels()` on first sight): a caller that keeps it increments `value` with no lookup at all. */
  seriesOf(key: string, labels: () => Labels): CounterSeries {
    let s = this.series.get(key);
    if (!s) this.series.set(key, (s = { labels: labels(), value: 0 }));
    return s;
  }

  readonly type = "counter";
  get() {
    return { name: this.name, help: this.help, type: this.type, aggregator: "sum", values: [...this.series.values()].map((s) => ({ labels: s.labels, value: s.value })) };
  }
  /** Zeroes every series in place (a Prometheus counter reset): a series a caller keeps stays the one rendered. */
  reset(): void {
    for (const s of this.series.values()) s.value = 0;
  }
}

/** A histogram family with cumulative-at-render buckets (Prometheus `le` semantics). */
export class FastHistogram {
  private readonly series = new Map<string, HistogramSeries>();

  constructor(readonly name: string, readonly help: string, private readonly buckets: readonly number[]) {}

  observe(key: string, labels: () => Labels, v: number): void {
    this.add(this.seriesOf(key, labels), v);
  }

  /** The series for `key` (made with `labels()` on first sight), for add() with no lookup. */
  seriesOf(key: string, labels: () => Labels): HistogramSeries {
    let s = this.series.get(key);
    if (!s) this.series.set(key, (s = { labels: labels(), counts: new Float64Array(this.buckets.length), sum: 0, count: 0 }));
    return s;
  }

  add(s: HistogramSeries, v: number): void {
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
  /** Zeroes every series in place, as FastCounter's does. */
  reset(): void {
    for (const s of this.series.values()) {
      s.counts.fill(0);
      s.sum = 0;
      s.count = 0;
    }
  }
}

/** register adds fast metrics to a prom-client registry (it renders anything with name/help/type/get). */
export function register(registry: Registry, ...metrics: (FastCounter | FastHistogram)[]): void {
  for (const m of metrics) registry.registerMetric(m as unknown as Parameters<Registry["registerMetric"]>[0]);
}
