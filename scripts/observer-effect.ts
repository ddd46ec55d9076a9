/**
 * Usage: bun scripts/observer-effect.ts [--index DIR] [--variant v0] [--mix default]
 *                                       [--duration 4s] [--rounds 2] [--rps R] [--block-rate 10]
 *                                       [--conditions baseline,cpu100,rates,trace] [--out DIR]
 *
 * What does watching cost? For each observer condition, on one pinned service
 * (server on CPU 0, load on CPU 1, taskset):
 *
 *   baseline  nothing running
 *   cpu100    a /debug/pprof/profile capture at 100 Hz spanning the runs
 *   rates     block profiling (stalls ≥ --block-rate ms) and mutex profiling (fraction 1)
 *   trace     a /debug/pprof/trace capture (100 Hz samples, GC poll, request spans)
 *
 * it measures saturation throughput (wrk, closed loop), the server's CPU time
 * per request (from its own /metrics: robust to a noisy neighbour) and the p99
 * at a fixed open-model rate (bun run load; default half the first baseline
 * throughput). Conditions rotate order each round; each Δ is against the same
 * round's baseline, median over rounds. Then, in-process and pinned, the
 * sampler's direct cost on the JS thread: the handler's throughput in adjacent
 * slices with the sampler off and on (100 Hz, and the rate block profiling
 * runs it at). Prints a table and writes DIR/meta.json (every run, its capture
 * conditions) and DIR/summary.txt. Needs wrk and taskset; bounded: about
 * rounds × conditions × (2 × duration + 3 s) + 20 s.
 *
 * This file is the command line; the conditions, measurements, rounds and
 * the arithmetic behind the table are in scripts/observer-effect/.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cli, fail } from "../src/cli/args.ts";
import { PROJECT_ROOT } from "../src/root.ts";
import { collectMeta, pinning } from "./lib/meta.ts";
import { spawnService } from "./lib/spawn-service.ts";
import { CONDITIONS, observe, parseConditions } from "./observer-effect/conditions.ts";
import { fixedRateLoad, runWrk, scrapeCounters, wrkScript } from "./observer-effect/measure.ts";
import { type Run, runRounds } from "./observer-effect/rounds.ts";
import { measureSamplerCost, SAMPLER_PAIRS, SAMPLER_SLICE_MS } from "./observer-effect/sampler-cost.ts";
import { summarizeConditions, summaryLines } from "./observer-effect/summary.ts";

const USAGE = `Usage: bun scripts/observer-effect.ts [options]

Throughput (wrk) and p99 at a fixed rate (bun run load) with and without the
admin port's observers running: a 100 Hz CPU capture, block/mutex profiling,
a trace. Server on CPU 0, load on CPU 1. Writes DIR/meta.json.`;

const f = cli(process.argv.slice(2), USAGE, {
  index: { kind: "string", help: "index directory with its corpora (default: generate 100k entries, seed 1, into a temp dir)" },
  variant: { kind: "string", help: "service variant", default: "v0" },
  mix: { kind: "string", help: "request corpus", default: "default", choices: ["thin", "default", "fat"] },
  duration: { kind: "duration", help: "length of each measured run", default: "4s" },
  rounds: { kind: "number", help: "rounds over all conditions (medians across them)", default: 2 },
  rps: { kind: "number", help: "fixed arrival rate for the p99 runs (default: half the first baseline throughput)" },
  "block-rate": { kind: "number", help: "block profiling threshold for the 'rates' condition, ms", default: 10 },
  conditions: { kind: "string", help: "comma-separated subset of baseline,cpu100,rates,trace", default: CONDITIONS.join(",") },
  connections: { kind: "number", help: "wrk connections", default: 16 },
  out: { kind: "string", help: "output directory (default profiles/observer-effect/<UTC timestamp>-<variant>-<mix>)" },
});

const conditions = parseConditions(f.conditions);
if ("error" in conditions) fail(conditions.error);
if (!Number.isInteger(f.rounds) || f.rounds < 1 || f.rounds > 10) fail(`--rounds: expected 1 to 10, got ${f.rounds}`);
if (f.duration < 1000 || f.duration > 25_000) fail("--duration: expected 1s to 25s (a capture must span two runs within its 60 s limit)");
if (!Bun.which("wrk")) fail("wrk is missing: apt-get install -y wrk", 1);

const pin = pinning();
const durationS = Math.round(f.duration / 1000);
const stamp = new Date().toISOString().replace(/[:.]/g, "-").replace(/-\d+Z$/, "Z");
const out = f.out ?? join(PROJECT_ROOT, "profiles", "observer-effect", `${stamp}-${f.variant}-${f.mix}`);
mkdirSync(out, { recursive: true });
const meta = collectMeta();

let indexDir = f.index;
/** Temp directories this run made (a generated index, the wrk script): removed at the end. */
const temps: string[] = [];
if (!indexDir) {
  indexDir = mkdtempSync(join(tmpdir(), "observer-effect-"));
  temps.push(indexDir);
  const gen = Bun.spawnSync([process.execPath, "gen/cli.ts", "--entries", "100000", "--seed", "1", "--out", indexDir], { cwd: PROJECT_ROOT, stdout: "ignore", stderr: "inherit" });
  if (!gen.success) fail("could not generate the index", 1);
}
const corpus = join(indexDir, `${f.mix}.ndjson`);
if (!existsSync(corpus)) fail(`${corpus}: no corpus (generate with bun run gen --out ${indexDir})`, 1);

// Kept out of the output directory: the wrk script is the corpus's first lines again (hundreds of KB), regenerated on every run.
const wrkDir = mkdtempSync(join(tmpdir(), "observer-effect-wrk-"));
temps.push(wrkDir);
const lua = join(wrkDir, "post.lua");
const bodies = (await Bun.file(corpus).text()).split("\n").filter(Boolean).slice(0, 64);
writeFileSync(lua, wrkScript(bodies));

const svc = await spawnService(["--index", indexDir, "--variant", f.variant], { prefix: pin.server });
process.stderr.write(`observer-effect: service ${svc.url} (admin ${svc.adminUrl}), ${pin.note}\n`);

const wrk = (seconds: number) => runWrk({ prefix: pin.load, connections: f.connections, lua, url: `${svc.url}/enrich` }, seconds);
let runs: Run[] = [];
let failure: Error | null = null;
try {
  wrk(1); // warm the JIT and the connections; not recorded
  runs = await runRounds(
    { conditions, rounds: f.rounds, durationS, rps: f.rps },
    {
      observe: (c, spanS) => observe(svc.adminUrl, c, spanS, f["block-rate"]),
      counters: () => scrapeCounters(svc.adminUrl),
      wrk,
      load: (rps) => fixedRateLoad({ prefix: pin.load, url: `${svc.url}/enrich`, corpus, durationS }, rps),
      settle: () => Bun.sleep(200),
      log: (line) => process.stderr.write(line),
    },
  );
} catch (e) {
  failure = e as Error;
} finally {
  await svc.stop();
}
if (failure) fail(failure.message, 1);

const table = summarizeConditions(runs, conditions);
const samplerCost = await measureSamplerCost({ variant: f.variant, indexDir, body: bodies[0]!, blockRateMs: f["block-rate"], pinPrefix: pin.server });
const lines = summaryLines({
  variant: f.variant,
  mix: f.mix,
  rounds: f.rounds,
  durationS,
  pinNote: pin.note,
  loadAverage: meta.loadAverage,
  fixedRps: runs[0]?.fixedRps ?? 0,
  table,
  sampler: { pairs: SAMPLER_PAIRS, sliceMs: SAMPLER_SLICE_MS, results: samplerCost },
});
writeFileSync(
  join(out, "meta.json"),
  JSON.stringify(
    {
      ...meta,
      tool: "observer-effect",
      variant: f.variant,
      mix: f.mix,
      index: f.index ?? { generated: "bun run gen --entries 100000 --seed 1 (into a temp dir, removed after the run)", entries: 100_000, seed: 1 },
      corpus: f.index ? corpus : `${f.mix}.ndjson of the generated index`,
      durationS,
      rounds: f.rounds,
      wrk: { connections: f.connections, threads: 1, bodies: bodies.length },
      fixedRps: runs[0]?.fixedRps,
      blockRateMs: f["block-rate"],
      pinning: pin,
      conditions: { baseline: "no observer", cpu100: "GET /debug/pprof/profile?hz=100 spanning both runs", rates: `POST /debug/pprof/rates?block=${f["block-rate"]}&mutex=1`, trace: "GET /debug/pprof/trace?hz=100 spanning both runs" },
      summary: table,
      samplerCost: { pairs: SAMPLER_PAIRS, sliceMs: SAMPLER_SLICE_MS, results: samplerCost },
      runs,
    },
    null,
    2,
  ) + "\n",
);
writeFileSync(join(out, "summary.txt"), lines.join("\n") + "\n");
for (const dir of temps) rmSync(dir, { recursive: true, force: true });
console.log(lines.join("\n"));
console.log(out);
