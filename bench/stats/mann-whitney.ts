/**
 * The two-sided Mann-Whitney U test as benchstat runs it (go-moremath's
 * MannWhitneyUTest): the exact U distribution for small samples, the normal
 * approximation with tie and continuity correction otherwise.
 *
 * One deliberate difference: with ties and small samples, go-moremath doubles
 * the lower tail of U1's distribution at min(U1, U2), which is wrong when the
 * tie pattern makes that distribution asymmetric (it returns p = 0 for
 * {1,2,3,5} vs {1,1,1,1,1}, a sample that occurs by chance 6 times in 126).
 * Here the p-value is 2·min(P(U1 ≤ u1), P(U1 ≥ u1)), capped at 1: identical
 * whenever the distribution is symmetric (always, without ties), right when not.
 */
import { normalCdf } from "./normal.ts";

/** Largest sample sizes for the exact distribution without / with ties (go-moremath's limits). */
export const EXACT_LIMIT = 50;
export const TIES_EXACT_LIMIT = 25;

export interface UTestResult {
  n1: number;
  n2: number;
  /** U1: pairs (x1 > x2) counting ties as ½, i.e. R1 − n1(n1+1)/2. */
  u: number;
  /** Two-sided p-value. */
  p: number;
  /** Which method produced p. */
  method: "exact" | "exact-ties" | "normal";
}

/** Raised when the test is meaningless: an empty sample or every value equal. */
export class UTestError extends Error {}

/** mannWhitney tests whether x1 and x2 come from the same distribution (two-sided). */
export function mannWhitney(x1: readonly number[], x2: readonly number[]): UTestResult {
  const n1 = x1.length, n2 = x2.length;
  if (n1 === 0 || n2 === 0) throw new UTestError("sample is too small");
  const merged = [...x1.map((v) => [v, 1] as const), ...x2.map((v) => [v, 2] as const)].sort((a, b) => a[0] - b[0]);

  // Midranks, the rank sum of sample 1, and the tie vector (size of each run of equal values).
  const midranks2: number[] = []; // 2 × midrank, an integer
  let r1 = 0, hasTies = false;
  const ties: number[] = [];
  for (let i = 0; i < merged.length; ) {
    const start = i, v = merged[i]![0];
    let inX1 = 0;
    for (; i < merged.length && merged[i]![0] === v; i++) if (merged[i]![1] === 1) inX1++;
    const run = i - start;
    const rank2 = start + 1 + i; // 2 × average of ranks start+1 .. i
    r1 += (rank2 / 2) * inX1;
    for (let k = 0; k < run; k++) midranks2.push(rank2);
    ties.push(run);
    if (run > 1) hasTies = true;
  }
  const u1 = r1 - (n1 * (n1 + 1)) / 2;
  const u2 = n1 * n2 - u1;

  if ((!hasTies && n1 <= EXACT_LIMIT && n2 <= EXACT_LIMIT) || (hasTies && n1 <= TIES_EXACT_LIMIT && n2 <= TIES_EXACT_LIMIT)) {
    if (ties.length === 1) throw new UTestError("all samples are equal");
    if (!hasTies) {
      const pmf = uPmfNoTies(n1, n2);
      const small = Math.min(u1, u2);
      // Symmetric distribution: doubling the smaller tail; the centre is p = 1.
      const p = u1 === u2 ? 1 : Math.min(1, 2 * sum(pmf, 0, small));
      return { n1, n2, u: u1, p, method: "exact" };
    }
    const [le, ge] = rankSumTails(midranks2, n1, 2 * r1);
    return { n1, n2, u: u1, p: Math.min(1, 2 * Math.min(le, ge)), method: "exact-ties" };
  }

  // Normal approximation with tie correction and continuity correction.
  let t = 0;
  for (const run of ties) t += run * run * run - run;
  const n = n1 + n2;
  const mu = (n1 * n2) / 2;
  const sigma = Math.sqrt((n1 * n2 * (n + 1 - t / (n * (n - 1)))) / 12);
  if (sigma === 0) throw new UTestError("all samples are equal");
  let numer = Math.min(u1, u2) - mu;
  numer -= Math.sign(numer) * 0.5;
  const z = numer / sigma;
  return { n1, n2, u: u1, p: 2 * Math.min(normalCdf(z), 1 - normalCdf(z)), method: "normal" };
}

function sum(a: Float64Array, from: number, to: number): number {
  let s = 0;
  for (let i = from; i <= to; i++) s += a[i]!;
  return s;
}

/**
 * uPmfNoTies returns P(U = u) for u = 0 .. n1·n2 without ties, by Mann and
 * Whitney's recurrence p[n,m](u) = (n·p[n−1,m](u−m) + m·p[n,m−1](u)) / (n+m),
 * kept one m-row at a time.
 */
export function uPmfNoTies(n1: number, n2: number): Float64Array {
  const N = Math.min(n1, n2), M = Math.max(n1, n2), size = N * M + 1;
  const memo = Array.from({ length: N + 1 }, () => {
    const a = new Float64Array(size);
    a[0] = 1; // p[n,0] and p[0,m] are 1 at u = 0
    return a;
  });
  for (let m = 1; m <= M; m++) {
    for (let n = 1; n <= N; n++) {
      const lp = memo[n - 1]!, out = memo[n]!;
      for (let u = n * m; u >= 0; u--) out[u] = ((u >= m ? n * lp[u - m]! : 0) + m * out[u]!) / (n + m);
    }
  }
  return memo[N]!;
}

/**
 * rankSumTails returns [P(R ≤ r), P(R ≥ r)] for the sum R of n1 doubled
 * midranks drawn without replacement from `ranks2` (the permutation
 * distribution of the rank sum under H0, which handles any tie pattern).
 */
export function rankSumTails(ranks2: readonly number[], n1: number, r2: number): [number, number] {
  const total = ranks2.reduce((a, b) => a + b, 0);
  // ways[k][s]: subsets of size k with doubled-rank sum s (exact integers: C(50, 25) < 2^53).
  const ways = Array.from({ length: n1 + 1 }, () => new Float64Array(total + 1));
  ways[0]![0] = 1;
  for (const r of ranks2) {
    for (let k = n1; k >= 1; k--) {
      const from = ways[k - 1]!, to = ways[k]!;
      for (let s = total - r; s >= 0; s--) if (from[s] !== 0) to[s + r]! += from[s]!;
    }
  }
  const row = ways[n1]!;
  let all = 0, le = 0, ge = 0;
  for (let s = 0; s <= total; s++) {
    all += row[s]!;
    if (s <= r2) le += row[s]!;
    if (s >= r2) ge += row[s]!;
  }
  return [le / all, ge / all];
}

/** uTestMinP returns the smallest two-sided p-value possible with two samples of size n: 2 / C(2n, n). */
export function uTestMinP(n: number): number {
  let c = 1;
  for (let i = 1; i <= n; i++) c = (c * (n + i)) / i;
  return Math.min(1, 2 / c);
}
