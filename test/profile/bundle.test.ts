/**
 * The capture end to end, as a user runs it: `bun scripts/profile.ts` against
 * a 20k-entry index for a few seconds. Every bundle file exists and parses,
 * meta.json holds every field docs/contract.md lists, the last stdout line is the
 * bundle's path, and the analysis commands read the bundle back. Whether the
 * load was held depends on the machine, so the exit code may be 0 or 3.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { decodeHistograms } from "../../src/load/index.ts";
import { PROJECT_ROOT } from "../../src/root.ts";
import { BUNDLE, META_FIELDS, REQUIRED_FILES } from "../../scripts/profile/bundle.ts";
import { decodePprof, flatten } from "../../src/admin/pprof.ts";
import { parseProm } from "../../scripts/profile/prom.ts";
import { scratch } from "../support/fixtures.ts";
import { spawnService } from "../../scripts/lib/spawn-service.ts";
import { capture } from "../../scripts/profile/capture.ts";
import { render } from "./dom.ts";
import { ENTRIES, SEED, smallIndexWithCorpus, testCapture } from "./support.ts";

let dir = "";
let stdout = "";
let exitCode = -1;

const run = (args: string[], env: Record<string, string> = {}) =>
  Bun.spawnSync([process.execPath, "scripts/profile.ts", ...args], { cwd: PROJECT_ROOT, stdout: "pipe", stderr: "pipe", env: { ...process.env, ...env } });

beforeAll(() => {
  const index = smallIndexWithCorpus();
  const out = scratch();
  const r = run(["--rps", "200", "--duration", "2s", "--warmup", "1s", "--settle", "2s", "--trace", "1s", "--mix", "thin", "--index", index, "--out", out, "--no-pin"]);
  stdout = r.stdout.toString();
  exitCode = r.exitCode;
  if (exitCode !== 0 && exitCode !== 3) throw new Error(`profile.ts exited ${exitCode}:\n${r.stderr.toString()}`);
  dir = stdout.trimEnd().split("\n").pop()!;
}, 120_000);

const get = (o: unknown, path: string) => path.split(".").reduce<unknown>((x, k) => (x as Record<string, unknown> | undefined)?.[k], o);

describe("scripts/profile.ts capture", () => {
  test("prints the bundle path last, named <UTC>-<variant>-<mix>-<rps>", () => {
    expect({ exitCode: [0, 3].includes(exitCode), name: /\/\d{8}T\d{6}Z-v0-thin-200$/.test(dir), exists: existsSync(dir) }).toEqual({ exitCode: true, name: true, exists: true });
    expect(stdout).toContain("latency (corrected): p50");
    expect(stdout).toContain("top 5 CPU frames by flat:");
  });

  test("every bundle file exists", () => {
    const files = readdirSync(dir);
    expect(REQUIRED_FILES.filter((f) => !files.includes(f))).toEqual([]);
  });

  test("the profiles decode as pprof with the expected sample types", () => {
    const types = (f: string) => flatten(decodePprof(readFileSync(join(dir, f)))).sampleTypes.map((t) => `${t.type}/${t.unit}`);
    expect({ cpu: types(BUNDLE.cpu), block: types(BUNDLE.block), mutex: types(BUNDLE.mutex), heap: types(BUNDLE.heap).length > 0 }).toEqual({
      cpu: ["samples/count", "cpu/nanoseconds"],
      block: ["stalls/count", "delay/nanoseconds"],
      mutex: ["contentions/count", "delay/nanoseconds"],
      heap: true,
    });
  });

  test("the CPU profile has samples of the enrich pipeline, and the .cpuprofile holds the same samples", () => {
    const p = flatten(decodePprof(readFileSync(join(dir, BUNDLE.cpu))));
    const samples = p.samples.reduce((s, x) => s + x.values[0]!, 0);
    const files = new Set(p.samples.flatMap((s) => s.stack.map((f) => f.file)));
    const cp = JSON.parse(readFileSync(join(dir, BUNDLE.cpuprofile), "utf8"));
    expect({ some: samples > 0, enrich: [...files].some((f) => f.includes("src/enrich/")), same: cp.samples.length, nodes: cp.nodes[0].callFrame.functionName }).toEqual({ some: true, enrich: true, same: samples, nodes: "(root)" });
  });

  test("trace, histogram, GC, metrics and doctor files parse", () => {
    const trace = JSON.parse(readFileSync(join(dir, BUNDLE.trace), "utf8"));
    const hist = JSON.parse(readFileSync(join(dir, BUNDLE.hist), "utf8"));
    const h = decodeHistograms(hist.histograms);
    const gc = JSON.parse(readFileSync(join(dir, BUNDLE.gc), "utf8"));
    const metrics = parseProm(readFileSync(join(dir, BUNDLE.metrics), "utf8"));
    const doctor = JSON.parse(readFileSync(join(dir, BUNDLE.doctor), "utf8"));
    expect({
      trace: Array.isArray(trace.traceEvents) && trace.traceEvents.some((e: { cat?: string }) => e.cat === "request"),
      hist: h.corrected.totalCount === hist.latency.corrected.count && hist.latency.corrected.count > 0,
      hgrm: readFileSync(join(dir, BUNDLE.hgrm), "utf8").includes("Percentile"),
      gc: gc.source === "BUN_JSC_logGC" && typeof gc.gcWallFraction === "number" && typeof gc.cycles === "number",
      metrics: [...metrics.keys()].some((k) => k.startsWith("enrich_http_requests_total{") && k.includes(`status="200"`)),
      doctor: ["cpu", "gc", "lock", "io", "none"].includes(doctor.regime),
    }).toEqual({ trace: true, hist: true, hgrm: true, gc: true, metrics: true, doctor: true });
  });

  test("meta.json holds every capture condition docs/contract.md lists", () => {
    const meta = JSON.parse(readFileSync(join(dir, BUNDLE.meta), "utf8"));
    expect(META_FIELDS.filter((f) => get(meta, f) === undefined || get(meta, f) === null)).toEqual([]);
    expect({ rps: meta.rate.offeredRps, mix: meta.mix, variant: meta.variant, indexImpl: meta.indexImpl, entries: meta.index.entries, seed: meta.index.seed, gcLog: meta.env.BUN_JSC_logGC ?? meta.service.env.BUN_JSC_logGC, workers: meta.workers }).toEqual({
      rps: 200, mix: "thin", variant: "v0", indexImpl: "ts", entries: ENTRIES, seed: SEED, gcLog: "1", workers: 1,
    });
    expect(meta.reproduce).toStartWith("bun scripts/profile.ts --rps 200 --duration 2000ms --mix thin --variant v0 --index ");
    expect(Object.values(meta.files).every((f) => (f as { ok: boolean }).ok)).toBe(true);
  });

  test("report.html is self-contained: the flame-graph renderer and the data are inlined", () => {
    const html = readFileSync(join(dir, BUNDLE.report), "utf8");
    expect({ d3: html.includes("d3js.org") || html.includes("d3-selection"), flame: html.includes("flamegraph"), svg: html.includes("<svg"), external: /<script[^>]+src=/.test(html) }).toEqual({ d3: true, flame: true, svg: true, external: false });
  });

  test("report.html draws its flame graph and plots in a DOM, without errors", async () => {
    const r = await render(readFileSync(join(dir, BUNDLE.report), "utf8"));
    expect({ drew: r.rects > 1, cpuTree: r.buttons[0], plots: r.svgs >= 2, errors: r.errors }).toEqual({ drew: true, cpuTree: "cpu", plots: true, errors: [] });
  });

  test("the diff report draws a differential flame graph and both latency curves", async () => {
    const out = join(scratch(), "diff.html");
    const d = run(["diff", dir, dir, "--out", out], { ENRICH_NO_GO: "1" });
    const html = readFileSync(out, "utf8");
    const r = await render(html);
    expect({ exit: d.exitCode, drew: r.rects > 1, curves: (html.match(/<path d="M/g) ?? []).length, errors: r.errors }).toEqual({ exit: 0, drew: true, curves: 4, errors: [] });
  });

  test("the analysis commands read the bundle (built-in views, no Go)", () => {
    const env = { ENRICH_NO_GO: "1" };
    const top = run(["top", dir, "-n", "5"], env);
    const doctor = run(["doctor", dir], env);
    const list = run(["list", dir, "enrich"], env);
    const peek = run(["peek", dir, "enrich"], env);
    const diff = run(["diff", dir, dir, "--out", join(scratch(), "diff.html")], env);
    expect({
      top: top.exitCode === 0 && top.stdout.toString().includes("flat%"),
      doctor: doctor.exitCode === 0 && doctor.stdout.toString().includes("regime:"),
      list: list.exitCode === 0 && list.stdout.toString().includes("ROUTINE"),
      peek: peek.exitCode === 0 && peek.stdout.toString().includes("▶"),
      diff: diff.exitCode === 0 && diff.stdout.toString().includes("diff report:"),
    }).toEqual({ top: true, doctor: true, list: true, peek: true, diff: true });
  });
});

describe("scripts/profile.ts flags", () => {
  test("refuses to profile without a rate, and a bad flag is one line and exit 2", () => {
    const none = run(["--duration", "1s"]);
    const bad = run(["--rps", "10", "--mix", "huge"]);
    expect({ none: none.exitCode, noneMsg: none.stderr.toString().trim(), bad: bad.exitCode, badLines: bad.stderr.toString().trim().split("\n").length }).toEqual({
      none: 2, noneMsg: "error: --rps is required: profile under load, never at idle", bad: 2, badLines: 1,
    });
  });
});

describe("--url: a service started elsewhere", () => {
  test("captures from it, reads its variant, takes CPU from --server-pid and GC from /metrics", async () => {
    const index = smallIndexWithCorpus();
    const svc = await spawnService(["--index", index, "--variant", "v0"]);
    const { dir, meta } = await capture(testCapture({ rps: 100, out: scratch(), variant: "not-this-one", url: svc.url, adminUrl: svc.adminUrl, serverPid: svc.proc.pid, index })).finally(() => svc.stop());
    const gc = JSON.parse(readFileSync(join(dir, BUNDLE.gc), "utf8"));
    expect({
      started: meta.service.started,
      variant: meta.variant,
      cpu: meta.serverCpu.source,
      gc: gc.source,
      cpuProfile: meta.files[BUNDLE.cpu]?.ok,
      entries: meta.index.entries,
    }).toEqual({ started: false, variant: "v0", cpu: "/proc", gc: "metrics", cpuProfile: true, entries: ENTRIES });
  }, 60_000);
});
