import { expect, test } from "bun:test";
import { Rng } from "../../src/workload/rng.ts";
import { ZipfSampler } from "../../src/workload/zipf.ts";

/** Frequencies of the top ranks against P(k) = k^-s / H(n, s), within 5 binomial standard deviations. */
function checkTopRanks(n: number, s: number, draws: number, top: number, seed: number) {
  let h = 0;
  for (let k = 1; k <= n; k++) h += k ** -s;
  const zipf = new ZipfSampler(n, s);
  const rng = new Rng(seed);
  const counts = new Float64Array(top + 1);
  let outOfRange = 0;
  for (let i = 0; i < draws; i++) {
    const k = zipf.sample(rng);
    if (k < 1 || k > n || !Number.isInteger(k)) outOfRange++;
    else if (k <= top) counts[k]!++;
  }
  expect(outOfRange).toBe(0);
  const rows = [];
  for (let k = 1; k <= top; k++) {
    const p = k ** -s / h;
    const sd = Math.sqrt(draws * p * (1 - p));
    rows.push({ k, within: Math.abs(counts[k]! - draws * p) <= 5 * sd });
  }
  expect(rows).toEqual(rows.map(({ k }) => ({ k, within: true })));
}

test("rejection-inversion matches the analytic Zipf frequencies of the top ranks (n=1,000)", () => {
  checkTopRanks(1_000, 1.1, 400_000, 20, 11);
});

test("and at n=1,000,000, s=1.1 as the corpora use it", () => {
  checkTopRanks(1_000_000, 1.1, 400_000, 10, 12);
});

test("the sampler is deterministic for a seed", () => {
  const a = new ZipfSampler(50_000_000, 1.1), b = new ZipfSampler(50_000_000, 1.1);
  const ra = new Rng(5), rb = new Rng(5);
  const xs = Array.from({ length: 1000 }, () => a.sample(ra));
  expect(Array.from({ length: 1000 }, () => b.sample(rb))).toEqual(xs);
  expect(Math.max(...xs)).toBeLessThanOrEqual(50_000_000);
});
