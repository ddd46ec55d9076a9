/**
 * Order statistics: the sample median (Hyndman & Fan's R8 quantile, as
 * go-moremath computes it) and the distribution-free confidence interval of a
 * quantile from binomial order statistics (go-moremath's QuantileCI).
 */
import { normalCdf, normalInvCdf } from "./normal.ts";

/** Above this sample size the binomial is replaced by its normal approximation. */
export const QUANTILE_CI_APPROX_THRESHOLD = 30;

/** quantile returns the q-quantile of an ascending-sorted sample (method R8). */
export function quantile(sorted: readonly number[], q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  if (q <= 0) return sorted[0]!;
  if (q >= 1) return sorted[n - 1]!;
  const pos = 1 / 3 + q * (n + 1 / 3);
  const k = Math.trunc(pos);
  const frac = pos - k;
  if (k <= 0) return sorted[0]!;
  if (k >= n) return sorted[n - 1]!;
  return sorted[k - 1]! + frac * (sorted[k]! - sorted[k - 1]!);
}

/** choose returns the binomial coefficient C(n, k) (exact while it fits in 2^53). */
export function choose(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  k = Math.min(k, n - k);
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i;
  return Math.round(c);
}

/** binomialPmf is P(X = k) for X ~ Binomial(n, p). */
export function binomialPmf(n: number, p: number, k: number): number {
  k = Math.floor(k);
  if (k < 0 || k > n) return 0;
  return choose(n, k) * Math.pow(p, k) * Math.pow(1 - p, n - k);
}

/** The bounds of a quantile's confidence interval, as 1-based order statistics. */
export interface QuantileCI {
  n: number;
  quantile: number;
  /** The actual confidence of [loOrder, hiOrder]; ≥ the requested level. */
  confidence: number;
  /** 1-based; < 1 means the bound is -∞. */
  loOrder: number;
  /** 1-based; > n means the bound is +∞. */
  hiOrder: number;
  /** True when the interval shifted by one has the same confidence. */
  ambiguous: boolean;
}

/**
 * quantileCI returns the order statistics that bound the q-quantile of a
 * sample of size n with at least the given confidence. For n ≤ 30 it sums
 * binomial probabilities outward from the mode (left-biased on ties), above
 * that it uses the normal approximation with continuity correction.
 */
export function quantileCI(n: number, q: number, confidence: number): QuantileCI {
  const res: QuantileCI = { n, quantile: q, confidence: 0, loOrder: 0, hiOrder: 0, ambiguous: false };
  if (confidence >= 1) return { ...res, confidence: 1, loOrder: 0, hiOrder: n + 1 };
  let l: number, r: number;
  if (n <= QUANTILE_CI_APPROX_THRESHOLD) {
    // PMF(k) is the probability that the population quantile lies between
    // the k-th and (k+1)-th order statistics; accumulate from the mode.
    let x = Math.ceil((n + 1) * q) - 1;
    if (q === 0) x = 0;
    let accum = binomialPmf(n, q, x);
    l = x;
    r = x + 1;
    let lp = binomialPmf(n, q, l - 1), rp = binomialPmf(n, q, r);
    res.ambiguous = rp === accum;
    while (accum < confidence && (lp > 0 || rp > 0)) {
      res.ambiguous = lp === rp;
      if (lp >= rp) {
        accum += lp;
        l--;
        lp = binomialPmf(n, q, l - 1);
      } else {
        accum += rp;
        r++;
        rp = binomialPmf(n, q, r);
      }
    }
    res.confidence = accum;
  } else {
    const mu = n * q, sigma = Math.sqrt(n * q * (1 - q));
    const alpha = (1 - confidence) / 2;
    const l1 = normalInvCdf(alpha, mu, sigma);
    const r1 = 2 * mu - l1;
    l = Math.floor(Math.floor(l1 - 0.5) + 0.5) + 1;
    r = Math.floor(Math.ceil(r1 - 0.5) + 0.5) + 1;
    const cdf = (lo: number, hi: number) => normalCdf(hi - 0.5, mu, sigma) - normalCdf(lo - 0.5, mu, sigma);
    res.confidence = cdf(l, r);
    const rBiased = r - 1;
    const aBiased = cdf(l, rBiased);
    if (aBiased >= confidence && aBiased < res.confidence) {
      res.confidence = aBiased;
      res.ambiguous = true;
      r = rBiased;
    }
    if (l <= 0 && r >= n + 1) {
      res.confidence = 1;
      res.ambiguous = false;
    }
  }
  res.loOrder = Math.max(l, 0);
  res.hiOrder = Math.min(r, n + 1);
  return res;
}

/** ciBounds maps a QuantileCI onto an ascending-sorted sample (±∞ outside it). */
export function ciBounds(ci: QuantileCI, sorted: readonly number[]): [lo: number, hi: number] {
  const lo = ci.loOrder < 1 ? -Infinity : sorted[ci.loOrder - 1]!;
  const hi = ci.hiOrder - 1 >= sorted.length ? Infinity : sorted[ci.hiOrder - 1]!;
  return [lo, hi];
}
