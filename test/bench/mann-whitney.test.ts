import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { EXACT_LIMIT, TIES_EXACT_LIMIT, UTestError, mannWhitney, uPmfNoTies, uTestMinP } from "../../bench/stats/mann-whitney.ts";

/**
 * The exact two-sided p-value by brute force: enumerate every way of choosing
 * which n1 of the pooled values form sample 1 (all equally likely under H0),
 * compute each one's rank sum with midranks, and count those at least as
 * extreme in either tail. Independent of the DP in the module under test.
 */
function bruteForceP(x1: number[], x2: number[]): number {
  const pooled = [...x1, ...x2];
  const sorted = [...pooled].sort((a, b) => a - b);
  const midrank = (v: number) => {
    const first = sorted.indexOf(v), last = sorted.lastIndexOf(v);
    return (first + last + 2) / 2;
  };
  const ranks = pooled.map(midrank);
  const observed = x1.reduce((s, v) => s + midrank(v), 0);
  let le = 0, ge = 0, total = 0;
  const n = pooled.length, k = x1.length;
  const rec = (start: number, left: number, sum: number) => {
    if (left === 0) {
      total++;
      if (sum <= observed + 1e-9) le++;
      if (sum >= observed - 1e-9) ge++;
      return;
    }
    for (let i = start; i <= n - left; i++) rec(i + 1, left - 1, sum + ranks[i]!);
  };
  rec(0, k, 0);
  return Math.min(1, (2 * Math.min(le, ge)) / total);
}

describe("mannWhitney", () => {
  test("matches brute-force enumeration on small samples, with and without ties", () => {
    const sample = fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 7 });
    fc.assert(
      fc.property(sample, sample, (a, b) => {
        if (new Set([...a, ...b]).size === 1) return; // all equal: the test refuses (checked below)
        expect(mannWhitney(a, b).p).toBeCloseTo(bruteForceP(a, b), 12);
      }),
      { numRuns: 300, seed: 7 },
    );
  });

  test("hand-computed exact values", () => {
    // {1,2,3,5} vs {11,12,13,15}: complete separation, 2 of C(8,4) = 70 orderings as extreme → 2/70.
    const sep = mannWhitney([2, 1, 3, 5], [12, 11, 13, 15]);
    expect({ ...sep, p: 0 }).toEqual({ n1: 4, n2: 4, u: 0, p: 0, method: "exact" });
    expect(sep.p).toBeCloseTo(2 / 70, 15);
    // Interleaved {1,2,3,5} vs {0,4,6,7}: U1 = 5; P(U ≤ 5) = 17/70 (count of U values 0..5: 1+1+2+3+5+5), doubled.
    expect(mannWhitney([2, 1, 3, 5], [0, 4, 6, 7]).p).toBeCloseTo(34 / 70, 14);
    // Ties: {1,2,3,5} vs {2,2,2,2}: midranks 1, 4 (×5), 7, 8; observed R1 = 1+4+7+8 = 20. Subsets of 4 with
    // sum ≥ 20: {7,8,4,4} C(5,2)=10, {7,8,1,4} 5, {8,4,4,4} C(5,3)=10 → 25 of C(8,4) = 70; the lower tail is larger.
    expect(mannWhitney([1, 2, 3, 5], [2, 2, 2, 2]).p).toBeCloseTo(50 / 70, 14);
  });

  test("an asymmetric tie pattern gets the true tail, not go-moremath's p = 0", () => {
    // {1,2,3,5} vs {1,1,1,1,1}: R1 = 27.5 is the maximum; it arises when sample 1 holds 7, 8, 9
    // and any one of the six tied 1s: 6 of C(9,4) = 126 subsets. Two-sided: 12/126.
    const r = mannWhitney([1, 2, 3, 5], [1, 1, 1, 1, 1]);
    expect(r.method).toBe("exact-ties");
    expect(r.p).toBeCloseTo(12 / 126, 14);
  });

  test("normal approximation for large samples agrees with R's wilcox.test", () => {
    // R: wilcox.test(seq(0,499)*2, seq(0,599)*2-41)$p.value (as published alongside go-moremath's test).
    const l1 = Array.from({ length: 500 }, (_, i) => i * 2);
    const l2 = Array.from({ length: 600 }, (_, i) => i * 2 - 41);
    const r = mannWhitney(l1, l2);
    expect(r.method).toBe("normal");
    expect(r.p).toBeCloseTo(0.0049335360814172224, 9);
  });

  test("agrees with SciPy, an independent implementation", () => {
    // Values from SciPy 1.10.1: scipy.stats.mannwhitneyu(a, b, alternative="two-sided", ...).
    // method="asymptotic", use_continuity=True: normal approximation with tie correction (30 values a side, with ties).
    const a = Array.from({ length: 30 }, (_, i) => i % 7), b = a.map((x) => x + 1);
    expect(mannWhitney(a, b)).toMatchObject({ method: "normal" });
    expect(mannWhitney(a, b).p).toBeCloseTo(0.07581905416784061, 12);
    // method="exact", no ties.
    expect(mannWhitney([1.1, 2.3, 3.7, 5.2, 6.1], [4.4, 7.5, 8.2, 9.9, 10.1, 11.3]).p).toBeCloseTo(0.017316017316017316, 14);
  });

  test("refuses meaningless input", () => {
    expect(() => mannWhitney([], [1])).toThrow(UTestError);
    expect(() => mannWhitney([3, 3, 3], [3, 3])).toThrow("all samples are equal");
    expect(() => mannWhitney(Array(60).fill(1), Array(60).fill(1))).toThrow("all samples are equal");
  });

  test("exact limits are benchstat's: 50 without ties, 25 with", () => {
    expect([EXACT_LIMIT, TIES_EXACT_LIMIT]).toEqual([50, 25]);
    const a = Array.from({ length: 26 }, (_, i) => i % 5), b = a.map((x) => x + 1);
    expect(mannWhitney(a, b).method).toBe("normal");
    expect(mannWhitney(a.slice(0, 25), b.slice(0, 25)).method).toBe("exact-ties");
  });

  test("the U distribution without ties sums to 1 and matches counts by enumeration", () => {
    const pmf = uPmfNoTies(3, 4);
    // Number of orderings of 3 x's and 4 y's with U = u, for u = 0..12 (partitions in a 3×4 box): 35 in all.
    expect(Array.from(pmf, (p) => Math.round(p * 35))).toEqual([1, 1, 2, 3, 4, 4, 5, 4, 4, 3, 2, 1, 1]);
  });

  test("minimum p-values per sample size (2 / C(2n, n))", () => {
    expect([1, 2, 3, 4, 5].map(uTestMinP)).toEqual([1, 2 / 6, 2 / 20, 2 / 70, 2 / 252]);
  });
});
