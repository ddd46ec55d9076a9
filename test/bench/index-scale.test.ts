/** bench/index-scale.ts's lookup section on a small index: every implementation × distribution × call shape measured, answers checked, meta.json written. */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../src/root.ts";
import { builtIndex, scratch } from "../support/fixtures.ts";
import { implsUnderTest } from "../support/native.ts";

test("index-scale --skip-service measures every combination, checks its answers and writes meta.json", () => {
  const dir = builtIndex(20_000, 5, 12), out = scratch();
  const impls = implsUnderTest();
  const r = Bun.spawnSync([process.execPath, "bench/index-scale.ts", "--entries", "20000", "--seed", "5", "--dir", dir, "--skip-build", "--skip-service", "--lookups", "5000", "--rounds", "1", "--batch", "1,7,4097", "--impl", impls.length > 1 ? "both" : "ts", "--cpu=-1", "--out", out], { cwd: PROJECT_ROOT, stdout: "pipe", stderr: "pipe" });
  expect({ exit: r.exitCode, stderr: r.exitCode === 0 ? "" : r.stderr.toString() }).toEqual({ exit: 0, stderr: "" });
  const meta = JSON.parse(readFileSync(join(out, "meta.json"), "utf8"));
  const rows = meta.lookups.rows as { impl: string; keys: string; shape: string; lookupsPerSecond: { n: number } }[];
  expect({
    checks: meta.lookups.checks.ok,
    runs: meta.lookups.checks.runs,
    combos: rows.map((x) => `${x.keys}/${x.impl}/${x.shape}`).sort(),
    rounds: rows.every((x) => x.lookupsPerSecond.n === 1),
  }).toEqual({
    checks: true,
    runs: 2 * impls.length * 4 * 2,
    combos: ["zipf", "uniform"].flatMap((k) => impls.flatMap((i) => ["find", "batch-1", "batch-7", "batch-4097"].map((s) => `${k}/${i}/${s}`))).sort(),
    rounds: true,
  });
});
