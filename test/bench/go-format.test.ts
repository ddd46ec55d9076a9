import { expect, test } from "bun:test";
import { formatFixed, goFloat } from "../../bench/stats/go-format.ts";

test("formatFixed rounds exact halves to even, like Go's %.Nf", () => {
  // 2.5, 0.125 and 0.375 are exact binary fractions: true ties. JS toFixed rounds them up.
  expect([formatFixed(2.5, 0), formatFixed(3.5, 0), formatFixed(0.125, 2), formatFixed(0.375, 2)]).toEqual(["2", "4", "0.12", "0.38"]);
  // 1.005 is really 1.00499999999999989…: rounds down in both.
  expect(formatFixed(1.005, 2)).toBe("1.00");
  expect([formatFixed(-17.2, 2, true), formatFixed(8.94, 2, true), formatFixed(0, 2, true), formatFixed(-1e-9, 2, true)]).toEqual(["-17.20", "+8.94", "+0.00", "-0.00"]);
  expect(formatFixed(1234567.891, 1)).toBe("1234567.9");
  expect(formatFixed(4.4e-7, 3)).toBe("0.000");
});

test("goFloat renders like Go's %v", () => {
  expect([goFloat(0.95), goFloat(0.05), goFloat(100), goFloat(1e6), goFloat(1234567), goFloat(1e-5), goFloat(0.0001)]).toEqual(["0.95", "0.05", "100", "1e+06", "1.234567e+06", "1e-05", "0.0001"]);
});
