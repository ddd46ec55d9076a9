import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { decode, encode, newHistogram, percentileDistribution, recordMs, summarize } from "../../src/load/histograms.ts";
import { HISTOGRAM } from "../../src/config.ts";

/** Nearest-rank percentile over the exact values: the smallest value with at least p% of values at or below it. */
function exactPercentile(sorted: number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/** HdrHistogram reports the highest value equivalent to the true one: never below it, at most 0.1% above (3 digits). */
const withinPrecision = (hdrValue: number, exact: number) => hdrValue >= exact && hdrValue <= exact + Math.max(1, exact * 0.001);

describe("histogram percentiles match an exact computation", () => {
  test("on a known latency set (1..1000 ms)", () => {
    const h = newHistogram();
    for (let ms = 1; ms <= 1000; ms++) recordMs(h, ms);
    const s = summarize(h);
    // Exact nearest-rank answers: p50 = 500ms, p90 = 900, p99 = 990, p99.9 = 999, max = 1000; HdrHistogram may round up by ≤ 0.1%.
    expect({ count: s.count, min: s.min }).toEqual({ count: 1000, min: 1 });
    for (const [got, exact] of [[s.p50, 500], [s.p90, 900], [s.p99, 990], [s.p99_9, 999], [s.max, 1000]] as const) {
      expect(withinPrecision(got * 1000, exact * 1000), `${got} vs exact ${exact}`).toBe(true);
    }
  });

  test("property: any set of µs values, any percentile", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 50_000_000 }), { minLength: 1, maxLength: 400 }),
        fc.double({ min: 0.1, max: 100, noNaN: true }),
        (values, p) => {
          const h = newHistogram();
          for (const v of values) h.recordValue(v);
          const sorted = [...values].sort((a, b) => a - b);
          const got = h.getValueAtPercentile(p);
          const exact = exactPercentile(sorted, p);
          expect(withinPrecision(got, exact), `p${p}: hdr ${got}, exact ${exact}`).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  test("values below 2.048 ms are exact", () => {
    const h = newHistogram();
    const values = [0.001, 0.017, 0.5, 1.234, 2.047];
    for (const v of values) recordMs(h, v);
    expect([10, 30, 50, 70, 100].map((p) => h.getValueAtPercentile(p) / 1000)).toEqual(values);
  });
});

describe("bounds", () => {
  test("values over the top are clamped and reported", () => {
    const h = newHistogram();
    expect(recordMs(h, 5 * 3_600_000)).toBe(true);
    expect(recordMs(h, 12)).toBe(false);
    expect(h.maxValue).toBeGreaterThanOrEqual(HISTOGRAM.highestTrackableValue);
    expect(h.totalCount).toBe(2);
  });
  test("a tiny negative (clock rounding) records as 0, not an error", () => {
    const h = newHistogram();
    expect(recordMs(h, -0.0001)).toBe(false);
    expect(h.getValueAtPercentile(100)).toBe(0);
  });
});

describe("encoding and .hgrm", () => {
  test("encode/decode round-trips counts and percentiles", () => {
    const h = newHistogram();
    for (let i = 1; i <= 5000; i++) recordMs(h, (i * 7) % 997);
    const { max: maxBack, ...back } = summarize(decode(encode(h)));
    const { max, ...live } = summarize(h);
    expect(back).toEqual(live);
    // The encoding keeps bucket counts, not the exact max: decoded, it is the bucket's top (within 0.1%).
    expect(withinPrecision(maxBack * 1000, max * 1000)).toBe(true);
  });
  test(".hgrm is HdrHistogram's percentile distribution text, in ms", () => {
    const h = newHistogram();
    for (let ms = 1; ms <= 100; ms++) recordMs(h, ms);
    const text = percentileDistribution(h);
    const lines = text.split("\n");
    expect(lines[0]!.trim().split(/\s+/)).toEqual(["Value", "Percentile", "TotalCount", "1/(1-Percentile)"]);
    expect(text).toContain("#[Max     =      100.000, Total count    =          100]");
    expect(lines[2]!.trim().split(/\s+/).slice(0, 3)).toEqual(["1.000", "0.000000000000", "1"]);
  });
});
