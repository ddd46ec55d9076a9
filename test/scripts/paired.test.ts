import { expect, test } from "bun:test";
import { paired } from "../../scripts/lib/meta.ts";

test("paired: the ratio of each round, its median and range, and the rounds ahead", () => {
  expect(paired([100, 200, 400], [110, 180, 800])).toEqual({ median: 1.1, min: 0.9, max: 2, n: 3, aheadIn: 2 });
  // A tie is not ahead; an even count takes the mean of the middle two.
  expect(paired([10, 10, 10, 10], [10, 5, 20, 30])).toEqual({ median: 1.5, min: 0.5, max: 3, n: 4, aheadIn: 2 });
});

test("paired refuses runs of different lengths or none", () => {
  expect(() => paired([1, 2], [1])).toThrow(RangeError);
  expect(() => paired([], [])).toThrow(RangeError);
});
