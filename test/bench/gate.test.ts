/** The gate's multiple-comparison control: Holm–Bonferroni by hand, and on many simulated A/A tables of 20 rows. */
import { describe, expect, test } from "bun:test";
import { buildTables, type Input } from "../../bench/compare/tables.ts";
import { gateText, runGate } from "../../bench/compare/gate.ts";
import { parseGoBench } from "../../bench/format/gobench.ts";
import { mulberry32 } from "../../bench/harness/rng.ts";
import { holm } from "../../bench/stats/holm.ts";

const opts = { alpha: 0.05, confidence: 0.95, ignore: [] };

/** A file of `rows` benchmarks × `n` rounds, each value 100 ns × (1 + noise) × factor(row). */
function file(label: string, rows: number, n: number, rnd: () => number, factor = (_: number) => 1): Input {
  const lines: string[] = [];
  for (let r = 0; r < n; r++) for (let i = 0; i < rows; i++) lines.push(`BenchmarkRow${String(i).padStart(2, "0")}-2 1000 ${(100 * (1 + 0.2 * rnd()) * factor(i)).toFixed(3)} ns/op`);
  return { label, parsed: parseGoBench(lines.join("\n"), label) };
}

describe("holm", () => {
  test("adjusted p-values as the method defines them (step-down, monotone, capped at 1)", () => {
    const r = holm([0.01, 0.04, 0.03, 0.005], 0.05);
    // Sorted: 0.005·4 = 0.02, 0.01·3 = 0.03, 0.03·2 = 0.06, 0.04·1 → max(0.06, 0.04) = 0.06.
    expect(r.adjusted.map((x) => Number(x.toFixed(6)))).toEqual([0.03, 0.06, 0.06, 0.02]);
    expect(r.reject).toEqual([true, false, false, true]);
    expect(holm([0.5, 0.9], 0.05).adjusted).toEqual([1, 1]);
  });
});

describe("the gate over many A/A families", () => {
  test("20 unchanged rows: uncorrected, most runs raise a false alarm; with Holm, about alpha or fewer do", () => {
    const rnd = mulberry32(7);
    const FAMILIES = 400;
    let holmFails = 0, rawFails = 0;
    for (let f = 0; f < FAMILIES; f++) {
      const tables = buildTables([file("a", 20, 8, rnd), file("b", 20, 8, rnd)], opts);
      // Threshold 0: any significant slowdown counts, so this measures the correction alone.
      if (runGate(tables, { alpha: 0.05, thresholdPct: 0, correction: "holm" }).failures.length) holmFails++;
      // Two-sided test, slowdowns only: uncorrected, each row alarms with probability ≈ alpha/2.
      if (runGate(tables, { alpha: 0.05, thresholdPct: 0, correction: "none" }).failures.length) rawFails++;
    }
    // Uncorrected: 1 − (1 − 0.025)^20 ≈ 40% of families; Holm bounds all alarms (either direction) at 5%.
    expect(rawFails / FAMILIES).toBeGreaterThan(0.3);
    expect(holmFails / FAMILIES).toBeLessThan(0.05);
  });

  test("a real slowdown in one of 20 rows still fails the gate, and is named", () => {
    const rnd = mulberry32(11);
    const tables = buildTables([file("base", 20, 8, rnd), file("head", 20, 8, rnd, (i) => (i === 13 ? 1.5 : 1))], opts);
    const g = runGate(tables, { alpha: 0.05, thresholdPct: 10, correction: "holm" });
    expect(g.failures.map((r) => r.name)).toEqual(["Row13-2"]);
    expect(gateText(g)).toMatch(/^regression: Row13-2 sec\/op \+\d+\.\d\d% \(p=0\.0002, adjusted p=0\.0031\) in head, beyond 10%\ngate: FAIL: 1 significant slowdown\(s\) beyond 10% at alpha 0.05 \(Holm–Bonferroni over 20 speed row\(s\)\)\n$/);
  });

  test("too few rounds for any row to reach Holm's first threshold: undecidable, not a pass", () => {
    const rnd = mulberry32(3);
    const g = runGate(buildTables([file("a", 20, 4, rnd), file("b", 20, 4, rnd, () => 3)], opts), { alpha: 0.05, thresholdPct: 10, correction: "holm" });
    expect(g.failures).toEqual([]);
    expect(g.undecidable).toBe("with 4 values per side the smallest possible p is 0.0286, above Holm's first threshold alpha/m = 0.00250 (m = 20 rows): no slowdown could fail the gate; run more rounds");
    expect(runGate([], { alpha: 0.05, thresholdPct: 10, correction: "holm" }).undecidable).toBe("no speed row was compared (no benchmark ran on both sides?)");
  });
});
