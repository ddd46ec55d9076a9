import { expect, test } from "bun:test";
import { assumeExact, assumeNothing, comparisonString, formatDelta, newSample, pctRange, type Comparison } from "../../bench/stats/assume.ts";
import { geomean } from "../../bench/stats/geomean.ts";

const cmp = (p: number, n1 = 10, n2 = 10): Comparison => ({ p, n1, n2, alpha: 0.05, warnings: [] });
const range = (center: number, lo: number, hi: number) => pctRange({ center, lo, hi, confidence: 0.95, warnings: [] });

test("geomean", () => {
  expect(geomean([1, 100])).toBeCloseTo(10, 12);
  expect(geomean([2, 8, 4])).toBeCloseTo(4, 12);
  expect([geomean([]), geomean([1, 0]), geomean([-1, 2])].every(Number.isNaN)).toBe(true);
});

test("± column: the larger distance to a bound, as a whole percent", () => {
  expect([range(1, 0.5, 1.1), range(1, 0.9, 1.5), range(1, 1, 1), range(-1, -0.9, -1.5)]).toEqual(["50%", "50%", "0%", "50%"]);
  expect([range(1, -Infinity, 1), range(1, 1, Infinity)]).toEqual(["∞", "∞"]);
  expect([range(1, -1, 1), range(0, -1, 1), range(0, 0, 0)]).toEqual(["?", "?", "0%"]);
});

test("delta and annotation", () => {
  expect([formatDelta(cmp(0.5), 1, 2), formatDelta(cmp(0.01), 1, 1.5), formatDelta(cmp(0.01), 1, 0.5), formatDelta(cmp(0.05), 2, 1)]).toEqual(["~", "+50.00%", "-50.00%", "-50.00%"]);
  expect([formatDelta(cmp(0.01), 0, 0), formatDelta(cmp(0.01), 0, 1)]).toEqual(["0.00%", "?"]);
  expect([comparisonString(cmp(0.4464)), comparisonString(cmp(0.5, 9, 10)), comparisonString(cmp(0))]).toEqual(["p=0.446 n=10", "p=0.500 n=9+10", "n=10"]);
});

test("assume=nothing: median, CI, and the sample-size warnings", () => {
  const s = assumeNothing.summary(newSample([6, -10, 2, 3, 4, 5]), 0.95);
  expect(s).toEqual({ center: 3.5, lo: -10, hi: 6, confidence: 0.96875, warnings: [] });
  expect(assumeNothing.summary(newSample([1, 2, 3]), 0.95).warnings).toEqual(["need >= 6 samples for confidence interval at level 0.95"]);
  const c = assumeNothing.compare(newSample([-1, -1, -1]), newSample([1, 1, 1]), 0.05);
  expect(c.p).toBeCloseTo(0.1, 12); // 2 / C(6, 3)
  expect(c.warnings).toEqual(["need >= 4 samples to detect a difference at alpha level 0.05"]);
  expect(assumeNothing.compare(newSample([1, 1, 1, 1]), newSample([1, 1, 1, 1]), 0.05)).toMatchObject({ p: 1, warnings: ["all samples are equal"] });
});

test("assume=exact: the mode, a warning when values differ, always comparable", () => {
  expect(assumeExact.summary(newSample([1, 2, 2, 3]), 0.95)).toEqual({ center: 2, lo: 1, hi: 3, confidence: 1, warnings: ["exact distribution expected, but values range from 1 to 3"] });
  expect(assumeExact.compare(newSample([1]), newSample([2]), 0.05)).toMatchObject({ p: 0, n1: 1, n2: 1 });
});
