import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseGoBench } from "../../bench/format/gobench.ts";
import { measureBench } from "../../bench/harness/measure.ts";
import { select } from "../../bench/harness/round.ts";
import { goLines } from "../../bench/harness/rounds.ts";
import type { BenchSpec } from "../../bench/harness/spec.ts";

const ROOT = resolve(import.meta.dir, "../..");

async function run(args: string[], cwd = ROOT): Promise<{ code: number; out: string; err: string }> {
  await using p = Bun.spawn([process.execPath, ...args], { cwd, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, out, err };
}

const spec = (name: string, extra: Partial<BenchSpec> = {}): BenchSpec => ({ name, batch: 1, prepare: () => ({ run: () => 1, check() {} }), ...extra });

describe("selecting benchmarks", () => {
  const specs = [
    spec("Keys/fmix64"),
    spec("Decode/variant=v0/size=1", { variant: "v0" }),
    spec("Decode/variant=v1/size=1", { variant: "v1", sameAs: "v0" }),
    spec("Handler/variant=v1/size=1", { variant: "v1" }),
  ];
  test("a plain run measures a shared function once", () => {
    expect(select(specs, undefined, undefined).map((s) => s.name)).toEqual(["Keys/fmix64", "Decode/variant=v0/size=1", "Handler/variant=v1/size=1"]);
    expect(select(specs, /Decode/, undefined).map((s) => s.name)).toEqual(["Decode/variant=v0/size=1"]);
  });
  test("a variant run keeps all of that variant's benchmarks, named without it, so A/B files line up", () => {
    expect(select(specs, undefined, "v1").map((s) => s.name)).toEqual(["Decode/size=1", "Handler/size=1"]);
    expect(select(specs, undefined, "v0").map((s) => s.name)).toEqual(["Decode/size=1"]);
  });
});

describe("measuring", () => {
  test("a wrong answer fails the benchmark instead of timing it", async () => {
    const bad = spec("Bad", { batch: 4 });
    const p = { run: () => 41, check: (r: unknown) => { if (r !== 42) throw new Error(`expected 42, got ${r}`); } };
    expect(measureBench(bad, p, { minCpuNs: 1e6, alloc: false })).rejects.toThrow("expected 42, got 41");
  });

  test("a batch size mitata cannot pin is refused", async () => {
    expect(measureBench(spec("Odd", { batch: 6 }), { run: () => 1, check() {} }, { minCpuNs: 1e6, alloc: false })).rejects.toThrow("batch must be 1 or a multiple of 4");
  });

  test("results: one summary per benchmark, async operations awaited", async () => {
    let calls = 0;
    const m = await measureBench(spec("Async", { batch: 4 }), { run: async () => ++calls, check() {} }, { minCpuNs: 1e6, alloc: false });
    expect(m.iters).toBeGreaterThan(0);
    expect(m.meanNs).toBeGreaterThan(0);
    expect(calls).toBeGreaterThanOrEqual(m.iters);
  });
});

describe("bytes per op (each in a fresh process, as the harness's rounds run)", () => {
  const probe = async (op: string, repeats = 1): Promise<(number | null)[]> => {
    const r = await run([join(import.meta.dir, "fixtures/alloc-probe.ts"), op, String(repeats)]);
    if (r.code !== 0) throw new Error(`alloc-probe ${op}: ${r.err}`);
    return JSON.parse(r.out) as (number | null)[];
  };

  test("an allocation-free function measures ~0 B/op", async () => {
    const [b] = await probe("none");
    expect(b).not.toBeNull();
    expect(b!).toBeLessThan(16);
  });

  test("a 64 KiB buffer per call measures 64 KiB (+ its small object)", async () => {
    const [b] = await probe("buffer64k");
    expect(b!).toBeGreaterThan(65536 * 0.98);
    expect(b!).toBeLessThan(65536 * 1.1);
  });

  test("a thousand small objects per call are counted on the GC heap", async () => {
    // A young collection the probe cannot see can hide bytes in one measurement (alloc.ts, "blind
    // spot"); it does not repeat three times running, so the largest of three is the figure to check.
    const got = (await probe("objects1000", 3)).filter((b): b is number => b !== null);
    expect(got.length).toBeGreaterThan(0);
    const b = Math.max(...got);
    // ≥ 16 B per object cell plus an 8 KB array; well under 100 B per element.
    expect(b).toBeGreaterThan(1000 * 16);
    expect(b).toBeLessThan(1000 * 100);
  });
});

describe("the results file", () => {
  test("Go benchmark lines round-trip through the reader", () => {
    const lines = goLines(
      [
        { name: "Payload/decode", iters: 1000, meanNs: 512.34, medianNs: 500, bytesPerOp: 899.6 },
        { name: "Keys/fmix64", iters: 4096000, meanNs: 27.456, medianNs: 27 },
      ],
      "mean",
    );
    expect(lines[0]).toMatch(/^BenchmarkKeys\/fmix64-\d+\t/); // sorted by name
    const parsed = parseGoBench(lines.join("\n"), "x");
    expect(parsed.errors).toEqual([]);
    expect(parsed.results.map((r) => [r.name.replace(/-\d+$/, ""), r.iters, r.values.map((v) => v.unit)])).toEqual([
      ["Keys/fmix64", 4096000, ["sec/op"]],
      ["Payload/decode", 1000, ["sec/op", "B/op"]],
    ]);
    // ns/op keeps four significant digits; B/op is whole bytes.
    expect(parsed.results[0]!.values[0]!.value).toBeCloseTo(27.46e-9, 15);
    expect(parsed.results[1]!.values[0]!.value).toBeCloseTo(512.3e-9, 15);
    expect(parsed.results[1]!.values[1]!.value).toBe(900);
  });

  test("a round runs in a fresh process and reports every selected benchmark", async () => {
    const r = await run(["bench/harness/round.ts", "--filter", "^Keys/", "--time", "5ms"]);
    expect(r.code).toBe(0);
    const results = r.out.trim().split("\n").map((l) => JSON.parse(l.replace(/^@bench /, "")));
    expect(results.map((x) => x.name).sort()).toEqual(["Keys/fmix64", "Keys/keyOf"]);
    for (const x of results) expect(Number.isFinite(x.meanNs) && Number.isFinite(x.bytesPerOp)).toBe(true);
  });

  test("bun run bench --save writes a header benchstat needs and one line per round", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "bench-cli-")), "out.txt");
    const r = await run(["bench/cli.ts", "--filter", "^Keys/fmix64$", "--rounds", "2", "--time", "5ms", "--save", file]);
    expect(r.code).toBe(0);
    const text = readFileSync(file, "utf8");
    expect(text).toMatch(/^goos: \w+\ngoarch: \w+\npkg: enrich\/bench\ncpu: .+\nruntime: bun \d+\.\d+\.\d+ \(\w+\)\ncommit: [0-9a-f]{12}(-dirty)?\n/);
    expect(text.split("\n").filter((l) => l.startsWith("BenchmarkKeys/fmix64-"))).toHaveLength(2);
    expect(r.out).toContain("Keys/fmix64-");
  });

  test("bench:ab of two revisions alternates sides in temporary worktrees and cleans them up", async () => {
    const out = mkdtempSync(join(tmpdir(), "bench-ab-"));
    // A fixed commit: HEAD may move while the test runs when others commit in this tree.
    const sha = (await run(["-e", "process.stdout.write(Bun.spawnSync(['git','rev-parse','HEAD']).stdout.toString())"])).out.trim();
    const worktrees = async () => (await run(["-e", "process.stdout.write(Bun.spawnSync(['git','worktree','list','--porcelain']).stdout.toString())"])).out.split("\n").filter((l) => l.startsWith("worktree "));
    const before = await worktrees();
    const r = await run(["bench/ab-cli.ts", "--revs", sha, sha, "--filter", "^Keys/fmix64$", "--rounds", "2", "--time", "5ms", "--no-alloc", "--out", out]);
    expect(r.err).toContain(`round 2/2 ${sha}-B`);
    expect(r.code).toBe(0);
    for (const side of ["A", "B"]) {
      const text = readFileSync(join(out, `${sha}-${side}.txt`), "utf8");
      expect(text).toContain(`commit: ${sha.slice(0, 12)}\n`);
      expect(text.split("\n").filter((l) => l.startsWith("BenchmarkKeys/fmix64-"))).toHaveLength(2);
    }
    expect(r.out).toContain(`${sha}-A.txt`);
    // Its own worktrees are gone (others' runs may have theirs).
    expect((await worktrees()).filter((w) => !before.includes(w))).toEqual([]);
  }, 60_000);
});
