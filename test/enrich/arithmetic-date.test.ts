/** v9's date rendering against the Date-based one, over the whole u32 range the payload's `since` can hold. */
import { expect, test } from "bun:test";
import fc from "fast-check";
import { isoSeconds } from "../../src/domain/payload.ts";
import { isoSecondsByArithmetic } from "../../src/enrich/ladder/v9-arithmetic-date.ts";

test("the edges: epoch, leap days, century and 400-year rules, the payload's since range, 2^32 − 1", () => {
  const day = 86400;
  const edges = [
    0, 59, 60, 3599, 3600, day - 1, day,
    Date.UTC(1972, 1, 29) / 1000, Date.UTC(1972, 2, 1) / 1000 - 1, Date.UTC(2000, 1, 29) / 1000, Date.UTC(2000, 2, 1) / 1000,
    Date.UTC(2100, 1, 28) / 1000, Date.UTC(2100, 2, 1) / 1000, Date.UTC(1999, 11, 31, 23, 59, 59) / 1000,
    1420070400, 1420070400 + 347155200 - 1, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1,
  ];
  for (const s of edges) expect(isoSecondsByArithmetic(s)).toBe(isoSeconds(s));
});

test("every u32, sampled: the same text as new Date(s·1000).toISOString() without milliseconds", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (s) => isoSecondsByArithmetic(s) === isoSeconds(s)),
    { numRuns: 20_000 },
  );
});

test("every day of the payload's since range (2015–2026) at its first and last second", () => {
  for (let s = 1420070400; s < 1420070400 + 347155200; s += 86400) {
    expect(isoSecondsByArithmetic(s)).toBe(isoSeconds(s));
    expect(isoSecondsByArithmetic(s + 86399)).toBe(isoSeconds(s + 86399));
  }
});
