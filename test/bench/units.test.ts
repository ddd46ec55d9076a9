import { expect, test } from "bun:test";
import { commonScale, formatScaled, scale, tidyUnit, unitClass } from "../../bench/format/units.ts";

test("units are tidied to base units", () => {
  expect(tidyUnit("ns/op")).toEqual(["sec/op", 1e-9]);
  expect(tidyUnit("MB/s")).toEqual(["B/s", 1e6]);
  expect(tidyUnit("B/op")).toEqual(["B/op", 1]);
  expect(tidyUnit("ns/GC")).toEqual(["sec/GC", 1e-9]);
  expect(tidyUnit("allocs/ns")).toEqual(["allocs/ns", 1]); // never in the denominator
});

test("bytes scale by 1024, everything else by 1000", () => {
  expect([unitClass("B/op"), unitClass("B/s"), unitClass("sec/op"), unitClass("allocs/op"), unitClass("ops/B")]).toEqual(["binary", "binary", "decimal", "decimal", "decimal"]);
});

test("values keep at least three significant digits", () => {
  expect(scale(1.718e-6, "decimal")).toBe("1.718µ");
  expect(scale(344.5e-9, "decimal")).toBe("344.5n");
  expect(scale(12.25e-3, "decimal")).toBe("12.25m");
  expect(scale(1.5 * 2 ** 30, "binary")).toBe("1.500Gi");
  expect(scale(1000 * 1024, "binary")).toBe("1000.0Ki");
  expect(scale(0, "decimal")).toBe("0.000");
  // One scale per row: the smallest value decides.
  const s = commonScale([2152.5e-9, 492e-9], "decimal");
  expect([formatScaled(s, 2152.5e-9), formatScaled(s, 492e-9)]).toEqual(["2152.5n", "492.0n"]);
});
