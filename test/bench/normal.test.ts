import { expect, test } from "bun:test";
import { normalCdf, normalInvCdf } from "../../bench/stats/normal.ts";

// Reference values: standard normal table / R's pnorm and qnorm at full precision.
test("normal CDF", () => {
  expect(normalCdf(0)).toBe(0.5);
  expect(normalCdf(1.96)).toBeCloseTo(0.9750021048517795, 15);
  expect(normalCdf(-1)).toBeCloseTo(0.15865525393145707, 15);
  expect(normalCdf(-6)).toBeCloseTo(9.865876450376946e-10, 20);
  expect(normalCdf(12, 10, 2)).toBeCloseTo(0.8413447460685429, 15);
});

test("normal inverse CDF", () => {
  expect(normalInvCdf(0.975)).toBeCloseTo(1.959963984540054, 12);
  expect(normalInvCdf(0.01)).toBeCloseTo(-2.3263478740408408, 12);
  expect(normalInvCdf(0.5, 3, 2)).toBeCloseTo(3, 14);
  expect([normalInvCdf(0), normalInvCdf(1), normalInvCdf(2)]).toEqual([-Infinity, Infinity, NaN]);
  for (const p of [1e-9, 0.001, 0.02425, 0.3, 0.9, 0.99999]) expect(normalCdf(normalInvCdf(p))).toBeCloseTo(p, 12);
});
