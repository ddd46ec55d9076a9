/** The built-in analysis views on a profile whose answer is known exactly. */
import { describe, expect, test } from "bun:test";
import { toCpuProfile } from "../../scripts/profile/cpuprofile.ts";
import { diffRows } from "../../scripts/profile/diff.ts";
import { diffTree, flameTree } from "../../scripts/profile/html.ts";
import { listText, peekText } from "../../scripts/profile/list-peek.ts";
import { decodePprof, type FlatProfile, flatten, type Frame } from "../../src/admin/pprof.ts";
import { encodeProfile } from "../../scripts/profile/pprof.ts";
import { parseProm, series } from "../../scripts/profile/prom.ts";
import type { Loaded } from "../../scripts/profile/report.ts";
import { tableHeader, tableRow } from "../../scripts/profile/table.ts";
import { topRows } from "../../scripts/profile/top.ts";

const f = (name: string, line: number): Frame => ({ name, file: "/x/app.ts", line });
/** main → handle → parse (6 samples at line 12), main → handle (2 at line 5), main → handle → handle (recursion, 2). */
function profile(scale = 1): FlatProfile {
  const samples = [
    { stack: [f("parse", 12), f("handle", 7), f("main", 1)], values: [6 * scale, 6e7 * scale], labels: {} },
    { stack: [f("handle", 5), f("main", 1)], values: [2 * scale, 2e7 * scale], labels: {} },
    { stack: [f("handle", 5), f("handle", 7), f("main", 1)], values: [2 * scale, 2e7 * scale], labels: {} },
  ];
  return { sampleTypes: [{ type: "samples", unit: "count" }, { type: "cpu", unit: "nanoseconds" }], defaultIndex: 1, period: 1e7, periodType: { type: "cpu", unit: "nanoseconds" }, durationNanos: 1e9, timeNanos: 0, comments: ["test"], samples };
}

describe("pprof round trip and top", () => {
  test("encode → decode keeps stacks, values and types", () => {
    const back = flatten(decodePprof(encodeProfile(profile())));
    expect({ types: back.sampleTypes, first: back.samples[0]!.stack, values: back.samples.map((s) => s.values), dflt: back.defaultIndex }).toEqual({
      types: profile().sampleTypes, first: profile().samples[0]!.stack, values: [[6, 6e7], [2, 2e7], [2, 2e7]], dflt: 1,
    });
  });

  test("flat counts the leaf; cum counts a function once per sample, even when it recurses", () => {
    const rows = Object.fromEntries(topRows(profile(), 0).map((r) => [r.name, [r.flat, r.cum]]));
    expect(rows).toEqual({ parse: [6, 6], handle: [4, 10], main: [0, 10] });
  });
});

describe("list and peek", () => {
  test("list: flat on executing lines, cum on call sites", () => {
    const out = listText(profile(), 0, /^handle$/);
    expect(out).toContain("ROUTINE ======================== handle");
    expect(out.split("\n").filter((l) => /\s(5|7):/.test(l)).map((l) => l.trim().split(/\s+/).slice(0, 3).join(" "))).toEqual(["4 4 5:", ". 8 7:"]);
  });

  test("peek: callers and callees of a function with the value along each edge", () => {
    const out = peekText(profile(), 0, /^parse$/);
    expect(out).toContain("caller  handle");
    expect(out).toContain("▶ parse");
  });
});

describe("diff, trees and the .cpuprofile", () => {
  test("diff rows carry both sides scaled per request", () => {
    const r6 = (x: number) => Math.round(x * 1e6) / 1e6;
    const rows = Object.fromEntries(diffRows(profile(), 1 / 10, profile(2), 1 / 10, 0).map((r) => [r.name, [r6(r.flatA), r6(r.flatB)]]));
    expect(rows).toEqual({ parse: [0.6, 1.2], handle: [0.4, 0.8], main: [0, 0] });
  });

  test("flame tree sums root-first paths; the differential tree's deltas are B − A per path", () => {
    const a = flameTree(profile(), 0, "cpu", 1, 0);
    const b = flameTree(profile(2), 0, "cpu", 1, 0);
    const d = diffTree(a, b);
    expect({ root: a.value, main: a.children[0]!.value, handleKids: a.children[0]!.children[0]!.children.map((c) => [c.name, c.value]), delta: d.delta, mainDelta: d.children[0]!.delta }).toEqual({
      root: 10, main: 10, handleKids: [["parse /x/app.ts", 6], ["handle /x/app.ts", 2]], delta: 10, mainDelta: 10,
    });
  });

  test("the .cpuprofile has one sample per pprof count and the leaf lines as position ticks", () => {
    const cp = toCpuProfile(profile(), 0) as { samples: number[]; nodes: { callFrame: { functionName: string }; hitCount: number; positionTicks?: { line: number; ticks: number }[] }[] };
    const parse = cp.nodes.find((n) => n.callFrame.functionName === "parse")!;
    expect({ samples: cp.samples.length, hits: cp.nodes.reduce((s, n) => s + n.hitCount, 0), parse: parse.positionTicks }).toEqual({ samples: 10, hits: 10, parse: [{ line: 12, ticks: 6 }] });
  });
});

describe("Prometheus text", () => {
  test("parses series with labels and finds one by name and label", () => {
    const m = parseProm(`# HELP x y\n# TYPE x counter\nx_total{route="/enrich",status="200"} 12\nnodejs_eventloop_lag_p50_seconds 0.0012\ny NaN\n`);
    expect({ x: series(m, "x_total", 'status="200"'), lag: series(m, "nodejs_eventloop_lag_p50_seconds"), n: m.size }).toEqual({ x: 12, lag: 0.0012, n: 3 });
  });
  test("a malformed line throws with its number", () => {
    expect(() => parseProm("ok 1\nthis is not metrics\n")).toThrow("metrics line 2");
  });
});

describe("table", () => {
  test("one row per bundle, every cell read from the bundle", () => {
    const perf: FlatProfile = {
      ...profile(),
      sampleTypes: [{ type: "cpu", unit: "nanoseconds" }],
      defaultIndex: 0,
      // 3 of 4 in native code called from `serialize` (folded into it), 1 in `lookup`.
      samples: [
        { stack: [{ name: "(bun native)", file: "", line: 0 }, { name: "serialize", file: "/x/app.ts", line: 3 }], values: [3e6], labels: {} },
        { stack: [{ name: "lookup", file: "/x/app.ts", line: 9 }], values: [1e6], labels: {} },
      ],
    };
    const delay = (ns: number): FlatProfile => ({ ...profile(), sampleTypes: [{ type: "delay", unit: "nanoseconds" }], defaultIndex: 0, samples: [{ stack: [f("wait", 1)], values: [ns], labels: {} }] });
    const b = {
      dir: "/x/bundle",
      meta: { variant: "v9", rate: { offeredRps: 50, achievedRps: 50, throughputRps: 40 }, duration: { windowMs: 10_000 }, load: { held: true, reasons: [] }, serverCpu: { windowMs: 10_000, jsThreadOnCpuMs: 1_600 } },
      gc: { bytesPerRequest: 7_680 },
      hist: { latency: { corrected: { mean: 5, p50: 4.04, p90: 6, p99: 8.96, p99_9: 9, max: 10, count: 400 } }, histograms: {} },
      doctor: { regime: "cpu" },
      profiles: { cpu: profile(), perf, mutex: delay(2e6), block: delay(45e6) },
      metrics: new Map(),
    } as unknown as Loaded;
    expect(tableRow(b, 2)).toBe("| v9 | 50 / 40/s | 4.00 ms | 4.0 / 9.0 ms | 8 kB | CPU-bound | `parse` 60.0%, `handle` 40.0% | `serialize` 75.0%, `lookup` 25.0% | 2.00 ms / 45.0 ms |");
    expect(tableHeader().split("\n")[0]!.split("|").length).toBe(tableRow(b, 2).split("|").length);
  });
});
