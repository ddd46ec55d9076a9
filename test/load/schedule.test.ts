import { describe, expect, test } from "bun:test";
import { constantSchedule, makeSchedule, poissonSchedule } from "../../src/load/schedule.ts";

const take = (s: { next(): number }, n: number) => Array.from({ length: n }, () => s.next());

describe("schedule", () => {
  test("constant: request i is due at exactly i·1000/rate, with no drift", () => {
    const s = constantSchedule(3000);
    const times = take(s, 300_001);
    expect(times.slice(0, 4)).toEqual([0, 1000 / 3000, 2000 / 3000, 1]);
    expect(times[300_000]).toBe(100_000);
  });

  test("poisson: the same seed gives the same schedule, another seed another", () => {
    expect(take(poissonSchedule(500, 7), 1000)).toEqual(take(poissonSchedule(500, 7), 1000));
    expect(take(poissonSchedule(500, 7), 10)).not.toEqual(take(poissonSchedule(500, 8), 10));
  });

  test("poisson: monotone, mean rate right, gaps exponential (CV ≈ 1)", () => {
    const n = 200_000;
    const t = take(makeSchedule("poisson", 1000, 1), n);
    const gaps = t.slice(1).map((x, i) => x - t[i]!);
    expect(gaps.every((g) => g > 0)).toBe(true);
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    const sd = Math.sqrt(gaps.reduce((a, b) => a + (b - mean) ** 2, 0) / gaps.length);
    expect(Math.abs(mean - 1)).toBeLessThan(0.01); // 1 ms mean gap at 1000/s; 5σ ≈ 0.011
    expect(Math.abs(sd / mean - 1)).toBeLessThan(0.02);
  });
});
