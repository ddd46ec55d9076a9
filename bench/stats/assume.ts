/**
 * What benchstat calls assumptions (golang.org/x/perf/benchmath): how a sample
 * is summarised and how two samples are compared. `nothing` (the default) is
 * the median with a binomial order-statistics CI and the Mann-Whitney U test;
 * `exact` is for values that have no noise (set by a `Unit X assume=exact` line).
 */
import { mannWhitney, UTestError, uTestMinP } from "./mann-whitney.ts";
import { ciBounds, quantile, quantileCI } from "./order.ts";
import { formatFixed, goFloat } from "./go-format.ts";

export const DEFAULT_ALPHA = 0.05;
export const DEFAULT_CONFIDENCE = 0.95;

/** A sample: measured values, ascending. */
export interface Sample {
  values: number[];
  warnings: string[];
}

export function newSample(values: readonly number[]): Sample {
  return { values: [...values].sort((a, b) => a - b), warnings: [] };
}

export interface Summary {
  center: number;
  lo: number;
  hi: number;
  /** The actual confidence of [lo, hi]. */
  confidence: number;
  warnings: string[];
}

export interface Comparison {
  p: number;
  n1: number;
  n2: number;
  alpha: number;
  warnings: string[];
}

export interface Assumption {
  name: "nothing" | "exact";
  summary(s: Sample, confidence: number): Summary;
  compare(base: Sample, s: Sample, alpha: number): Comparison;
}

// medianSamples: the smallest n whose median CI is finite at this confidence.
function medianSamples(confidence: number): [op: string, n: number] {
  for (let n = 2; n <= 50; n++) {
    const ci = quantileCI(n, 0.5, confidence);
    if (ci.loOrder > 0 && ci.hiOrder <= n) return [">=", n];
  }
  return [">", 50];
}

// uTestSamples: the smallest n for which the U test can reach alpha at all.
function uTestSamples(alpha: number): [op: string, n: number] {
  for (let n = 1; n <= 9; n++) if (uTestMinP(n) <= alpha) return [">=", n];
  return [">", 10];
}

export const assumeNothing: Assumption = {
  name: "nothing",
  summary(s, confidence) {
    const ci = quantileCI(s.values.length, 0.5, confidence);
    const [lo, hi] = ciBounds(ci, s.values);
    const warnings: string[] = [];
    if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
      const [op, need] = medianSamples(confidence);
      warnings.push(`need ${op} ${need} samples for confidence interval at level ${goFloat(confidence)}`);
    }
    return { center: quantile(s.values, 0.5), lo, hi, confidence: ci.confidence, warnings };
  },
  compare(base, s, alpha) {
    const cmp: Comparison = { p: 1, n1: base.values.length, n2: s.values.length, alpha, warnings: [] };
    try {
      cmp.p = mannWhitney(base.values, s.values).p;
    } catch (e) {
      if (!(e instanceof UTestError)) throw e;
      cmp.warnings.push(e.message);
      return cmp;
    }
    if (cmp.p > alpha) {
      const [op, need] = uTestSamples(alpha);
      if (cmp.n1 < need && cmp.n2 < need) cmp.warnings.push(`need ${op} ${need} samples to detect a difference at alpha level ${goFloat(alpha)}`);
    }
    return cmp;
  },
};

export const assumeExact: Assumption = {
  name: "exact",
  summary(s) {
    const v = s.values;
    let val = v[0]!, count = 1, modeVal = val, modeCount = 1;
    for (const x of v.slice(1)) {
      if (x === val) {
        if (++count > modeCount) [modeVal, modeCount] = [val, count];
      } else [val, count] = [x, 1];
    }
    const warnings = modeCount === v.length ? [] : [`exact distribution expected, but values range from ${goFloat(v[0]!)} to ${goFloat(v[v.length - 1]!)}`];
    return { center: modeVal, lo: v[0]!, hi: v[v.length - 1]!, confidence: 1, warnings };
  },
  compare(base, s, alpha) {
    return { p: 0, n1: base.values.length, n2: s.values.length, alpha, warnings: [] };
  },
};

/** pctRange renders a summary's CI as ±percent of its centre ("∞", "?" when it cannot). */
export function pctRange(s: Summary): string {
  if (!Number.isFinite(s.lo) || !Number.isFinite(s.hi)) return "∞";
  const sign = Math.sign(s.center);
  if (sign !== Math.sign(s.lo) || sign !== Math.sign(s.hi)) return "?";
  if (s.center === 0) return "0%";
  return `${formatFixed(100 * Math.max(s.hi / s.center - 1, 1 - s.lo / s.center), 0)}%`;
}

/** comparisonString renders "p=0.PPP n=N" (or n=N1+N2); p is omitted when exactly 0. */
export function comparisonString(c: Comparison): string {
  const p = c.p !== 0 ? `p=${formatFixed(c.p, 3)} ` : "";
  return c.n1 === c.n2 ? `${p}n=${c.n1}` : `${p}n=${c.n1}+${c.n2}`;
}

/** significant reports whether the comparison rejects "same distribution" (p ≤ alpha). */
export function significant(c: Comparison): boolean {
  return !(c.p > c.alpha);
}

/** formatDelta renders the change of centre as a signed percent, or "~" when not significant. */
export function formatDelta(c: Comparison, oldCenter: number, newCenter: number): string {
  if (!significant(c)) return "~";
  if (oldCenter === newCenter) return "0.00%";
  if (oldCenter === 0) return "?";
  return `${formatFixed((newCenter / oldCenter - 1) * 100, 2, true)}%`;
}
