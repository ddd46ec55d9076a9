/** The pure parts of src/admin/: encoders and parsers, checked on hand-made inputs with exact answers. */
import { describe, expect, test } from "bun:test";
import { Registry } from "prom-client";
import { cpuToCpuProfile, cpuToPprof, type CpuCapture } from "../../src/admin/cpu-profile.ts";
import { heapToPprof } from "../../src/admin/heap.ts";
import { decodePprof, ProfileBuilder, readSamples, sampleTypes } from "../../src/admin/pprof.ts";
import { parseRequestStart } from "../../src/http/request-start.ts";
import { collapseAsyncWrappers, pickDue } from "../../src/admin/sampler.ts";
import { FastCounter, FastHistogram, register } from "../../src/admin/request-metrics.ts";
import { parseStack } from "../../src/admin/stack.ts";
import { StackCounts } from "../../src/admin/stack-counts.ts";
import { sampleSlices } from "../../src/admin/trace.ts";
import { parsePrometheus } from "../../scripts/profile/prom.ts";

const f = (name: string, line = 1, file = "/src/a.ts") => ({ name, file, line });

describe("ProfileBuilder", () => {
  test("merges identical stacks and labels, keeps distinct ones, round-trips through pprof-format", () => {
    const b = new ProfileBuilder({ sampleTypes: [["samples", "count"], ["cpu", "nanoseconds"]], periodType: ["cpu", "nanoseconds"], period: 10, defaultSampleType: 1, comments: ["hello"] });
    b.add([f("leaf", 3), f("main", 9)], [1, 10]);
    b.add([f("leaf", 3), f("main", 9)], [2, 20]);
    b.add([f("leaf", 4), f("main", 9)], [1, 10]);
    b.add([f("leaf", 3), f("main", 9)], [1, 10], { lock: "x" });
    const p = decodePprof(b.encode());
    expect(sampleTypes(p)).toEqual(["samples/count", "cpu/nanoseconds"]);
    expect(p.comment.map((i) => p.stringTable.strings[Number(i)])).toEqual(["hello"]);
    expect(readSamples(p)).toEqual([
      { frames: [f("leaf", 3), f("main", 9)], values: [3, 30], labels: {} },
      { frames: [f("leaf", 4), f("main", 9)], values: [1, 10], labels: {} },
      { frames: [f("leaf", 3), f("main", 9)], values: [1, 10], labels: { lock: "x" } },
    ]);
    // One function per (name, file), one location per line.
    expect(p.function.length).toBe(2);
    expect(p.location.length).toBe(3);
  });
});

describe("CPU conversions", () => {
  const capture: CpuCapture = {
    hz: 100,
    startMs: 1000,
    endMs: 1100,
    samples: [
      { t: 1010, frames: [f("hot", 5), f("main", 2)], cpuNs: 10_000_000 },
      { t: 1020, frames: [f("hot", 6), f("main", 2)], cpuNs: 10_000_000 },
      { t: 1030, frames: [f("cold", 8), f("main", 3)], cpuNs: 10_000_000 },
    ],
    thread: { onCpuNs: 30_000_000, runQueueNs: 0, jsNs: 30_000_000, source: "test", samplePeriodMs: 10 },
  };

  test("pprof: each sample weighs its on-CPU time, lines kept per frame", () => {
    const p = decodePprof(cpuToPprof(capture));
    expect(Number(p.period)).toBe(10_000_000);
    expect(Number(p.durationNanos)).toBe(100_000_000);
    expect(readSamples(p).map((s) => [s.frames.map((x) => `${x.name}:${x.line}`).join("<"), ...s.values])).toEqual([
      ["hot:5<main:2", 1, 10_000_000],
      ["hot:6<main:2", 1, 10_000_000],
      ["cold:8<main:3", 1, 10_000_000],
    ]);
  });

  test(".cpuprofile: one node per call path of functions, leaf lines in positionTicks, deltas in µs", () => {
    const p = cpuToCpuProfile(capture) as { nodes: { id: number; callFrame: { functionName: string; lineNumber: number }; hitCount: number; children: number[]; positionTicks?: unknown }[]; samples: number[]; timeDeltas: number[] };
    const byName = Object.fromEntries(p.nodes.map((n) => [n.callFrame.functionName, n]));
    expect(p.nodes.map((n) => n.callFrame.functionName)).toEqual(["(root)", "main", "hot", "cold"]);
    expect(byName.main!.children).toEqual([byName.hot!.id, byName.cold!.id]);
    expect(byName.hot!.hitCount).toBe(2);
    expect(byName.hot!.positionTicks).toEqual([{ line: 5, ticks: 1 }, { line: 6, ticks: 1 }]);
    // 0-based first sampled line.
    expect(byName.hot!.callFrame.lineNumber).toBe(4);
    expect(p.samples).toEqual([byName.hot!.id, byName.hot!.id, byName.cold!.id]);
    expect(p.timeDeltas).toEqual([10_000, 10_000, 10_000]);
  });
});

describe("trace flame chart", () => {
  test("consecutive samples keep shared frames open; an idle gap closes everything; B and E balance", () => {
    const ev = sampleSlices(
      [
        { t: 0, frames: [f("a"), f("main")] },
        { t: 1, frames: [f("b"), f("main")] },
        { t: 10, frames: [f("a"), f("main")] },
      ],
      1,
      1,
    );
    expect(ev.map((e) => `${e.ph}${e.name}@${e.ts}`)).toEqual(["Bmain@0", "Ba@0", "Ea@1000", "Bb@1000", "Eb@2000", "Emain@2000", "Bmain@10000", "Ba@10000", "Ea@11000", "Emain@11000"]);
  });
});

describe("parsers", () => {
  test("parseStack reads JSC stack lines, named, anonymous and native", () => {
    const stack = "Error\n    at acquire (/w/src/enrich/async-mutex.ts:43:37)\n    at async enrichBatchV0 (/w/src/enrich/v0/index.ts:83:30)\n    at map (native:1:11)\n    at /w/x.ts:5:52";
    expect(parseStack(stack)).toEqual([
      { name: "acquire", file: "/w/src/enrich/async-mutex.ts", line: 43 },
      { name: "enrichBatchV0", file: "/w/src/enrich/v0/index.ts", line: 83 },
      { name: "map", file: "", line: 1 },
      { name: "(anonymous)", file: "/w/x.ts", line: 5 },
    ]);
  });

  test("parseRequestStart accepts epoch seconds, ms and µs (t= optional), refuses the future and the ancient", () => {
    const now = performance.now();
    const epoch = performance.timeOrigin + now - 5;
    for (const h of [`t=${epoch / 1e3}`, `${epoch}`, `t=${Math.round(epoch * 1e3)}`]) expect(parseRequestStart(h, now)! - (now - 5)).toBeLessThan(0.01);
    expect(parseRequestStart(`${epoch + 1000}`, now)).toBeUndefined();
    expect(parseRequestStart(`${epoch - 120_000}`, now)).toBeUndefined();
    expect(parseRequestStart("soon", now)).toBeUndefined();
    expect(parseRequestStart(null, now)).toBeUndefined();
  });
});

describe("StackCounts", () => {
  test("a windowed read is the difference from a snapshot; unchanged stacks drop out", () => {
    const c = new StackCounts();
    c.add([f("a")], [1, 100]);
    c.add([f("b")], [1, 50]);
    const base = c.snapshot();
    c.add([f("a")], [2, 300]);
    const spec = { sampleTypes: [["stalls", "count"], ["delay", "nanoseconds"]] as [string, string][] };
    expect(readSamples(decodePprof(c.toPprof(spec, base))).map((s) => [s.frames[0]!.name, ...s.values])).toEqual([["a", 2, 300]]);
    expect(readSamples(decodePprof(c.toPprof(spec))).map((s) => [s.frames[0]!.name, ...s.values])).toEqual([["a", 3, 400], ["b", 1, 50]]);
  });
});

describe("heap pprof", () => {
  test("folds a V8 snapshot into objects and bytes by [constructor, kind]; string contents never become names", () => {
    const snapshot = {
      snapshot: { meta: { node_fields: ["type", "name", "id", "self_size", "edge_count"], node_types: [["hidden", "object", "string", "closure"]] } },
      nodes: [1, 0, 1, 32, 0, 1, 0, 2, 48, 0, 2, 1, 3, 20, 0, 2, 2, 4, 30, 0, 3, 3, 5, 64, 0],
      strings: ["Point", "secret-token", "other", "fn"],
    };
    const samples = readSamples(decodePprof(heapToPprof(JSON.stringify(snapshot))));
    expect(samples.map((s) => [s.frames.map((x) => x.name).join("<"), ...s.values])).toEqual([
      ["Point<[object]", 2, 80],
      ["(string)<[string]", 2, 50],
      ["Function<[closure]", 1, 64],
    ]);
  });
});

describe("sampler frames", () => {
  test("an async function's outer wrapper frame (same function, same file, adjacent) is dropped", () => {
    expect(collapseAsyncWrappers([f("parse", 0, ""), f("begin", 44), f("batch", 78), f("batch", 98), f("handle", 5)])).toEqual([f("parse", 0, ""), f("begin", 44), f("batch", 78), f("handle", 5)]);
    const plain = [f("a"), f("b")];
    expect(collapseAsyncWrappers(plain)).toBe(plain);
  });
});

describe("request metrics", () => {
  test("fast counter and histogram render as Prometheus families with cumulative buckets", async () => {
    const registry = new Registry();
    const c = new FastCounter("t_requests_total", "requests");
    const h = new FastHistogram("t_duration_seconds", "duration", [0.01, 0.1, 1]);
    register(registry, c, h);
    for (const status of [200, 200, 415]) c.inc(`/e ${status}`, () => ({ route: "/e", status: String(status) }));
    for (const v of [0.005, 0.01, 0.05, 2]) h.observe("/e", () => ({ route: "/e" }), v);
    const m = parsePrometheus(await registry.metrics());
    const v = (name: string, labels: Record<string, string>) => m.samples.find((s) => s.name === name && Object.entries(labels).every(([k, x]) => s.labels[k] === x))?.value;
    expect(m.types.get("t_requests_total")).toBe("counter");
    expect(m.types.get("t_duration_seconds")).toBe("histogram");
    expect([v("t_requests_total", { status: "200" }), v("t_requests_total", { status: "415" })]).toEqual([2, 1]);
    expect(["0.01", "0.1", "1", "+Inf"].map((le) => v("t_duration_seconds_bucket", { le }))).toEqual([2, 3, 3, 4]);
    expect([v("t_duration_seconds_count", {}), v("t_duration_seconds_sum", {})]).toEqual([4, 2.065]);
  });

  test("a kept series counts with no lookup, and a reset zeroes it in place, so the series kept is still the one rendered", async () => {
    const registry = new Registry();
    const c = new FastCounter("t_requests_total", "requests");
    const h = new FastHistogram("t_duration_seconds", "duration", [0.01, 1]);
    register(registry, c, h);
    const cs = c.seriesOf("/e 200", () => ({ route: "/e", status: "200" }));
    const hs = h.seriesOf("/e", () => ({ route: "/e" }));
    expect(c.seriesOf("/e 200", () => ({ route: "other", status: "0" }))).toBe(cs);
    cs.value++;
    c.inc("/e 200", () => ({ route: "other", status: "0" }));
    h.add(hs, 0.5);
    const read = async () => {
      const m = parsePrometheus(await registry.metrics());
      return [m.samples.find((s) => s.name === "t_requests_total" && s.labels.route === "/e")?.value, m.samples.find((s) => s.name === "t_duration_seconds_count")?.value, m.samples.find((s) => s.name === "t_duration_seconds_bucket" && s.labels.le === "1")?.value];
    };
    expect(await read()).toEqual([2, 1, 1]);
    registry.resetMetrics();
    expect(await read()).toEqual([0, 0, 0]);
    cs.value++;
    h.add(hs, 0.005);
    expect(await read()).toEqual([1, 1, 1]);
  });
});

describe("sampler downsampling", () => {
  const at = (times: number[]) => times.map((t) => ({ t, frames: [] }));
  test("every 10th sample of a 1 ms sampler for a 10 ms subscriber, on a grid (no drift, no bias)", () => {
    const times = Array.from({ length: 1000 }, (_, i) => i * 1.003 + (i % 3) * 0.05);
    const sub = { intervalMs: 10, nextDue: 0 };
    const kept = pickDue(at(times), sub, 1);
    expect(Math.abs(kept.length - times.at(-1)! / 10)).toBeLessThanOrEqual(1);
  });
  test("same rate with jitter keeps every sample; an idle gap restarts the grid", () => {
    const sub = { intervalMs: 10, nextDue: 0 };
    expect(pickDue(at([0, 10.1, 19.9, 30.2, 39.95]), sub, 10).length).toBe(5);
    expect(pickDue(at([500, 510.05]), sub, 10).map((s) => s.t)).toEqual([500, 510.05]);
  });
});
