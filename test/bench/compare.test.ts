import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseGoBench } from "../../bench/format/gobench.ts";
import { buildTables, renderTables, significantChanges, type Input } from "../../bench/compare/tables.ts";

const FIXTURES = join(import.meta.dir, "fixtures");
const CLI = join(import.meta.dir, "../../bench/compare-cli.ts");
const opts = { alpha: 0.05, confidence: 0.95, ignore: ["commit", "variant"] };
const input = (label: string, text: string): Input => ({ label, parsed: parseGoBench(text, label) });
const fixture = (name: string) => readFileSync(join(FIXTURES, name), "utf8");

/** Deterministic "noisy" rounds: a base time with ±3% multiplicative jitter from a fixed LCG. */
function rounds(base: Record<string, number>, seed: number, n = 10): string {
  let s = seed;
  const jitter = () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return 1 + ((s / 2 ** 31) * 0.06 - 0.03);
  };
  const lines = ["goos: linux", "goarch: amd64", "pkg: enrich/bench", `commit: c${seed}`];
  for (let r = 0; r < n; r++) for (const [name, ns] of Object.entries(base)) lines.push(`Benchmark${name}-2\t1000\t${(ns * jitter()).toFixed(1)} ns/op\t${Math.round(ns / 10)} B/op`);
  return `${lines.join("\n")}\n`;
}
const BASE = { "Enrich/size=1": 1200, "Enrich/size=100": 48000, "Enrich/size=1000": 510000 };

async function runCli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  await using p = Bun.spawn([process.execPath, CLI, ...args], { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, out, err };
}

function tmpFiles(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "bench-compare-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe("bench:compare", () => {
  test("reproduces benchstat's documented example byte for byte", () => {
    // The old/new example and its output from benchstat's package documentation.
    const out = renderTables(buildTables([input("old.txt", fixture("benchstat-doc-old.txt")), input("new.txt", fixture("benchstat-doc-new.txt"))], opts));
    expect(out).toBe(fixture("benchstat-doc.golden"));
  });

  test("A/A: identical data prints ~ everywhere", () => {
    const text = rounds(BASE, 1);
    const out = renderTables(buildTables([input("a.txt", text), input("b.txt", text)], opts));
    const rows = out.split("\n").filter((l) => l.startsWith("Enrich/"));
    expect(rows).toHaveLength(6); // 3 benchmarks × (sec/op, B/op)
    for (const row of rows) expect(row).toMatch(/ ~ \((p=1\.000 )?n=10\)/);
    expect(significantChanges(buildTables([input("a.txt", text), input("b.txt", text)], opts))).toEqual([]);
  });

  test("A/A: two independent noisy runs of the same code are not significant", () => {
    const tables = buildTables([input("a.txt", rounds(BASE, 1)), input("b.txt", rounds(BASE, 2))], opts);
    expect(significantChanges(tables)).toEqual([]);
    expect(renderTables(tables)).not.toMatch(/[+-]\d+\.\d\d% \(p=/);
  });

  test("a deliberate 10x regression is significant, with the right sign and size", () => {
    const slow = Object.fromEntries(Object.entries(BASE).map(([k, v]) => [k, v * 10]));
    const tables = buildTables([input("a.txt", rounds(BASE, 1)), input("b.txt", rounds(slow, 2))], opts);
    const changes = significantChanges(tables).filter((c) => c.unit === "sec/op");
    expect(changes.map((c) => c.name)).toEqual(["Enrich/size=1-2", "Enrich/size=100-2", "Enrich/size=1000-2"]);
    for (const c of changes) {
      expect(c.worse).toBe(true);
      expect(c.deltaPct).toBeGreaterThan(800);
      // Complete separation of 10 vs 10: the exact two-sided p is 2 / C(20, 10).
      expect(c.p).toBeCloseTo(2 / 184756, 12);
    }
    expect(renderTables(tables)).toMatch(/Enrich\/size=1-2 .* \+\d{3}\.\d\d% \(p=0\.000 n=10\)/);
  });

  test("--fail-on-regression: exits 1 only for a significant slowdown beyond the threshold", async () => {
    const slow = Object.fromEntries(Object.entries(BASE).map(([k, v]) => [k, v * 10]));
    const fast = Object.fromEntries(Object.entries(BASE).map(([k, v]) => [k, v / 10]));
    const dir = tmpFiles({ "a.txt": rounds(BASE, 1), "a2.txt": rounds(BASE, 2), "slow.txt": rounds(slow, 3), "fast.txt": rounds(fast, 4) });
    const f = (n: string) => join(dir, n);
    const aa = await runCli([f("a.txt"), f("a2.txt"), "--fail-on-regression", "5%"]);
    const regression = await runCli([f("a.txt"), f("slow.txt"), "--fail-on-regression", "5%"]);
    const improvement = await runCli([f("a.txt"), f("fast.txt"), "--fail-on-regression", "5%"]);
    const beyond = await runCli([f("a.txt"), f("slow.txt"), "--fail-on-regression", "1000%"]);
    expect({ aa: aa.code, regression: regression.code, improvement: improvement.code, beyond: beyond.code }).toEqual({ aa: 0, regression: 1, improvement: 0, beyond: 0 });
    expect(regression.err).toContain("regression: Enrich/size=1000-2 sec/op +");
    expect(regression.out).toContain("│    a.txt    │"); // still prints the table
  });

  test("--fail-on-regression: more bytes per op alone does not fail the gate, lower throughput does", async () => {
    const a = "BenchmarkX-2 10 100 ns/op 50 MB/s 100 B/op\n".repeat(8);
    const fatter = "BenchmarkX-2 10 100 ns/op 50 MB/s 900 B/op\n".repeat(8);
    const slowerRate = "BenchmarkX-2 10 100 ns/op 10 MB/s 100 B/op\n".repeat(8);
    const dir = tmpFiles({ "a.txt": a, "fatter.txt": fatter, "rate.txt": slowerRate });
    expect((await runCli([join(dir, "a.txt"), join(dir, "fatter.txt"), "--fail-on-regression", "5%"])).code).toBe(0);
    const rate = await runCli([join(dir, "a.txt"), join(dir, "rate.txt"), "--fail-on-regression", "5%"]);
    expect(rate.code).toBe(1);
    expect(rate.err).toContain("regression: X-2 B/s -80.00%");
  });

  test("bad usage is one line and exit 2", async () => {
    expect(await runCli([])).toMatchObject({ code: 2, err: "error: expected at least one benchmark file (OLD.txt NEW.txt)\n" });
    expect(await runCli(["/nonexistent/old.txt"])).toMatchObject({ code: 2, err: "error: cannot read /nonexistent/old.txt: ENOENT\n" });
    expect((await runCli(["a", "--fail-on-regression", "lots"])).err).toBe("error: --fail-on-regression: expected a percentage like 5%, got 'lots'\n");
  });

  test("benchstat's small-sample warnings", () => {
    const t = buildTables([input("before", "BenchmarkX 1 100 ns/op\n"), input("after", "BenchmarkX 1 101 ns/op\n")], opts);
    expect(renderTables(t)).toBe(
      [
        "  │    before    │              after              │",
        "  │    sec/op    │    sec/op     vs base           │",
        "X   100.0n ± ∞ ¹   101.0n ± ∞ ¹  ~ (p=1.000 n=1) ²",
        "¹ need >= 6 samples for confidence interval at level 0.95",
        "² need >= 4 samples to detect a difference at alpha level 0.05",
        "",
      ].join("\n"),
    );
  });

  test("different benchmark sets: rows shown where they exist, geomean flagged", () => {
    const before = "BenchmarkA 10 100 ns/op\n".repeat(6) + "BenchmarkB 10 10000 ns/op\n".repeat(6);
    const after = "BenchmarkA 10 100 ns/op\n".repeat(6) + "BenchmarkC 10 10000 ns/op\n".repeat(6);
    expect(renderTables(buildTables([input("before", before), input("after", after)], opts))).toBe(
      [
        "        │   before    │                after                │",
        "        │   sec/op    │   sec/op     vs base                │",
        "A         100.0n ± 0%   100.0n ± 0%       ~ (p=1.000 n=6) ¹",
        "B         10.00µ ± 0%",
        "C                       10.00µ ± 0%",
        "geomean   1.000µ        1.000µ       +0.00%               ²",
        "¹ all samples are equal",
        "² benchmark set differs from baseline; geomeans may not be comparable",
        "",
      ].join("\n"),
    );
  });

  test("exact units (Unit … assume=exact): compared from one value, zero centres kept out of the geomean", () => {
    const meta = "Unit text-bytes assume=exact\nUnit y assume=exact\n";
    const t = buildTables([input("before", `${meta}BenchmarkSize 1 100 text-bytes\nBenchmarkZ 1 0 y\nBenchmarkZ2 1 0 y\n`), input("after", "BenchmarkSize 1 105 text-bytes\nBenchmarkZ 1 100 y\nBenchmarkZ2 1 100 y\n")], opts);
    const out = renderTables(t);
    expect(out).toContain("Size   100.0 ± 0%   105.0 ± 0%  +5.00% (n=1)");
    expect(out).toContain("Z         0.0 ± 0%     100.0 ± 0%  ? (n=1)");
    expect(out).toContain("¹ summaries must be >0 to compute geomean");
  });

  test("a commit line does not split A/B tables, other configuration does", () => {
    const a = "commit: aaa\nBenchmarkX 1 100 ns/op\n", b = "commit: bbb\nBenchmarkX 1 200 ns/op\n";
    expect(buildTables([input("a", a), input("b", b)], opts)).toHaveLength(1);
    expect(buildTables([input("a", a), input("b", b)], { ...opts, ignore: [] })).toHaveLength(2);
  });
});

describe("reading real go test -bench output", () => {
  const parsed = parseGoBench(fixture("go-test-bench.txt"), "go-test-bench.txt");

  test("every line, every unit, tidied to base units", () => {
    expect(parsed.errors).toEqual([]);
    expect(parsed.results).toHaveLength(9);
    const first = parsed.results[0]!;
    expect(first.name).toBe("Sum-2");
    expect(first.iters).toBe(2000);
    expect(first.values.map((v) => v.unit)).toEqual(["sec/op", "B/s", "B/op", "allocs/op"]);
    expect(first.values[0]!.value).toBeCloseTo(276.4e-9, 18);
    expect(first.values[1]!.value).toBeCloseTo(28944.35e6, 3);
    expect(first.config).toEqual([["goos", "linux"], ["goarch", "amd64"], ["pkg", "example.com/fixture"], ["cpu", "AMD EPYC"]]);
    expect(parsed.results.map((r) => r.name)).toContain("Join/size=100-2");
  });

  test("compares against itself as ~, with benchstat's warnings for 3 samples", () => {
    const tables = buildTables([input("a", fixture("go-test-bench.txt")), input("b", fixture("go-test-bench.txt"))], opts);
    expect(tables.map((t) => t.unit)).toEqual(["sec/op", "B/s", "B/op", "allocs/op"]);
    const out = renderTables(tables);
    expect(out).toContain("need >= 4 samples to detect a difference at alpha level 0.05");
    expect(out).toContain("all samples are equal");
    expect(out.split("\n").filter((l) => /^(Sum|Join)/.test(l)).every((l) => l.includes(" ~ "))).toBe(true);
  });

  test("syntax errors are reported with file and line, and reading goes on", () => {
    const p = parseGoBench("BenchmarkA 10 5 ns/op\nBenchmarkB x 5 ns/op\nBenchmarkC 10 5\nBenchmarkD 10 5 ns/op\n", "f.txt");
    expect(p.errors).toEqual(["f.txt:2: parsing iteration count: invalid syntax", "f.txt:3: missing units"]);
    expect(p.results.map((r) => r.name)).toEqual(["A", "D"]);
  });
});
