import { describe, expect, test } from "bun:test";
import { ciBounds, quantile, quantileCI } from "../../bench/stats/order.ts";

// P(lo ≤ K < hi) for K ~ Binomial(n, 1/2), exactly, with BigInt.
function coverage(n: number, lo: number, hi: number): number {
  let num = 0n, c = 1n;
  for (let k = 0; k <= n; k++) {
    if (k >= lo && k < hi) num += c;
    c = (c * BigInt(n - k)) / BigInt(k + 1);
  }
  return Number(num) / 2 ** n;
}

describe("median and its confidence interval", () => {
  test("median is the middle value, or the mean of the middle two", () => {
    expect(quantile([1, 2, 3], 0.5)).toBe(2);
    expect(quantile([-10, 2, 3, 4, 5, 6], 0.5)).toBe(3.5);
    expect(quantile([7], 0.5)).toBe(7);
  });

  test("hand-computed 95% intervals", () => {
    // n = 6: dropping only the open tails (each 1/64) leaves 62/64 = 0.96875 ≥ 0.95, so [x1, x6].
    expect(quantileCI(6, 0.5, 0.95)).toMatchObject({ loOrder: 1, hiOrder: 6, confidence: 0.96875 });
    // n = 10: [x2, x9] covers 1 - 2·(1 + 10)/1024 = 0.978515625; [x3, x8] would cover only 0.890625.
    expect(quantileCI(10, 0.5, 0.95)).toMatchObject({ loOrder: 2, hiOrder: 9, confidence: 0.978515625 });
    // n = 5: trimming both open tails leaves 1 - 2/32 = 0.9375 < 0.95, so only one goes (1 - 1/32 = 0.96875);
    // the algorithm is left-biased, so the low bound stays at -∞ and benchstat warns "need >= 6 samples".
    const ci5 = quantileCI(5, 0.5, 0.95);
    expect(ci5.confidence).toBe(0.96875);
    expect(ciBounds(ci5, [1, 2, 3, 4, 5])).toEqual([-Infinity, 5]);
  });

  test("every exact interval (n ≤ 30) reaches the level and is minimal", () => {
    for (let n = 2; n <= 30; n++) {
      const ci = quantileCI(n, 0.5, 0.95);
      const lo = ci.loOrder, hi = ci.hiOrder;
      expect(coverage(n, lo, hi)).toBeCloseTo(ci.confidence, 12);
      expect(ci.confidence).toBeGreaterThanOrEqual(0.95);
      // Narrowing by one order statistic on either side drops below the level (unless already at the edge).
      if (lo < hi - 1) {
        expect(coverage(n, lo + 1, hi)).toBeLessThan(0.95);
        expect(coverage(n, lo, hi - 1)).toBeLessThan(0.95);
      }
    }
  });

  test("normal approximation above n = 30 stays near the level", () => {
    for (const n of [31, 50, 100, 500]) {
      const ci = quantileCI(n, 0.5, 0.95);
      const exact = coverage(n, ci.loOrder, ci.hiOrder);
      expect(exact).toBeGreaterThan(0.94);
      expect(exact).toBeLessThan(0.975);
    }
    expect(quantileCI(100, 0.5, 0.95)).toMatchObject({ loOrder: 40, hiOrder: 60 });
  });
});
