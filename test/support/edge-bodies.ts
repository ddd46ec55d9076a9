/**
 * Request bodies at the edges of small limits, for the native body checks'
 * tests (v22's eix_body_valid, v23's eix_body_keys): keys at the pattern's and
 * u64's edges, names and values at and past 8 UTF-16 units, array-index names
 * either side of 2^32 - 1, the usual hostile strings, and now and then a
 * broken form (another member, whitespace, a non-string value).
 */
import { DEFAULT_LIMITS, type Limits } from "../../src/config.ts";
import type { Rng } from "../../src/workload/rng.ts";

// Values at and past each limit of SMALL: keys at the pattern's and u64's edges, names and values at 8 UTF-16 units
// (an emoji is 2), array-index names either side of 2^32 - 1, and the usual hostile strings.
export const SMALL: Limits = { ...DEFAULT_LIMITS, events: 24, attrs: 3, attrChars: 8 };
export const KEYS = ["0", "00", "01", "1", "42", "18446744073709551615", "18446744073709551616", "99999999999999999999", "184467440737095516150", "1e3", "-1", " 1", "１"];
export const NAMES = ["a", "0", "7", "01", "4294967294", "4294967295", "-1", "__proto__", "constructor", "", "a".repeat(8), "a".repeat(9), "😀".repeat(4), "😀".repeat(4) + "a", "é".repeat(8), "東".repeat(9), "\u2028", 'q"', "\\"];
export const VALUES = ["", "v", "a".repeat(8), "a".repeat(9), "😀".repeat(4), "😀".repeat(4) + "b", "é".repeat(9), "\n", "\u007f", "\ud800"];

export function edgeBody(rng: Rng, keyAt: (rank: number) => string): string {
  // One edge in a body is enough to decide it: most bodies get none or a few, so both answers are common.
  const edgy = rng.int(2) === 0 ? 0 : 1 + rng.int(40);
  const edge = () => rng.int(1000) < edgy;
  const events = Array.from({ length: 1 + rng.int(SMALL.events + (edge() ? 2 : 0)) }, () => {
    const attrs: Record<string, string> = {};
    for (let j = rng.int(SMALL.attrs + (edge() ? 2 : 1)); j > 0; j--) attrs[edge() ? NAMES[rng.int(NAMES.length)]! : `n${j}`] = edge() ? VALUES[rng.int(VALUES.length)]! : "v";
    return { key: edge() ? KEYS[rng.int(KEYS.length)]! : keyAt(rng.int(10_000)), attrs };
  });
  // Now and then the form itself is broken: another member, whitespace, a non-string value.
  const text = JSON.stringify({ events });
  switch (rng.int(12)) {
    case 0:
      return text.replace('"attrs":', ' "attrs":');
    case 1:
      return text.replace("}]}", ',"extra":1}]}');
    case 2:
      return text.replace(/"attrs":\{"([^"]*)":"[^"]*"/, '"attrs":{"$1":7');
    case 3:
      return text.replace('{"events"', '{"x":0,"events"');
    default:
      return text;
  }
}
