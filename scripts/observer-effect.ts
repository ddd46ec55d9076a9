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
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cli, fail } from "../src/cli/args.ts";
import { PROJECT_ROOT } from "../src/service/default-index.ts";
import { DEFAULT_LIMITS } from "../src/config.ts";
import { getVariant } from "../src/enrich/registry.ts";
import { openTsIndex } from "../src/index/ts-index.ts";
import { subscribe } from "../src/admin/sampler.ts";
import { blockSampleIntervalMs } from "../src/admin/block.ts";
import { collectMeta, pinSelf, pinning, summarize } from "./lib/meta.ts";
import { spawnService } from "./lib/spawn-service.ts";

const CONDITIONS = ["baseline", "cpu100", "rates", "trace"] as const;
type Condition = (typeof CONDITIONS)[number];

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

const conditions = f.conditions.split(",").map((c) => c.trim()) as Condition[];
for (const c of conditions) if (!CONDITIONS.includes(c)) fail(`--conditions: expected some of ${CONDITIONS.join(", ")}, got '${c}'`);
if (!conditions.includes("baseline")) fail("--conditions: must include baseline (every delta is against it)");
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

// wrk cycles through the corpus's first bodies, so its requests look like the harness's.
// Kept out of the output directory: it is the corpus's first lines again (hundreds of KB), regenerated on every run.
const wrkDir = mkdtempSync(join(tmpdir(), "observer-effect-wrk-"));
temps.push(wrkDir);
const lua = join(wrkDir, "post.lua");
const bodies = (await Bun.file(corpus).text()).split("\n").filter(Boolean).slice(0, 64);
writeFileSync(
  lua,
  `local bodies = ${"{" + bodies.map((b) => JSON.stringify(b)).join(",\n") + "}"}\nlocal i = 0\nrequest = function()\n  i = i % #bodies + 1\n  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, bodies[i])\nend\n`,
);

const svc = await spawnService(["--index", indexDir, "--variant", f.variant], { prefix: pin.server });
process.stderr.write(`observer-effect: service ${svc.url} (admin ${svc.adminUrl}), ${pin.note}\n`);

/** Server CPU seconds and requests served so far, from its own /metrics: CPU per request is robust to a noisy neighbour. */
async function counters(): Promise<{ cpu: number; requests: number }> {
  const text = await (await fetch(`${svc.adminUrl}/metrics`)).text();
  const cpu = Number(/^process_cpu_seconds_total(?:\{[^}]*\})? (\S+)$/m.exec(text)?.[1] ?? NaN);
  let requests = 0;
  for (const m of text.matchAll(/^enrich_http_requests_total\{[^}]*\} (\S+)$/gm)) requests += Number(m[1]);
  return { cpu, requests };
}

function wrk(seconds: number): { rps: number; text: string } {
  const cmd = [...pin.load, "wrk", "-t1", `-c${f.connections}`, `-d${seconds}s`, "-s", lua, `${svc.url}/enrich`];
  const r = Bun.spawnSync(cmd, { stdout: "pipe", stderr: "pipe" });
  const text = r.stdout.toString();
  const m = /Requests\/sec:\s+([\d.]+)/.exec(text);
  if (!m) fail(`wrk printed no rate: ${r.stderr.toString().trim() || text.trim()}`, 1);
  if (/Non-2xx/.test(text)) fail(`wrk saw non-2xx responses:\n${text}`, 1);
  return { rps: Number(m![1]), text };
}

async function load(rps: number): Promise<{ p99: number; p50: number; throughput: number; valid: boolean; reasons: string[] }> {
  const cmd = [...pin.load, process.execPath, "src/load/cli.ts", "--url", `${svc.url}/enrich`, "--rps", String(rps), "--duration", `${durationS}s`, "--warmup", "1s", "--corpus", corpus, "--json", "--quiet"];
  await using proc = Bun.spawn(cmd, { cwd: PROJECT_ROOT, stdout: "pipe", stderr: "pipe" });
  const [text, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  let j: { latency: { corrected: { p99: number; p50: number } }; throughputRps: number; validity: { valid: boolean; reasons: string[] } };
  try {
    j = JSON.parse(text);
  } catch {
    fail(`bun run load failed: ${err.trim() || text.trim()}`, 1);
  }
  return { p99: j!.latency.corrected.p99, p50: j!.latency.corrected.p50, throughput: j!.throughputRps, valid: j!.validity.valid, reasons: j!.validity.reasons };
}

/** Starts a condition's observer for `spanS` seconds; returns what to await when the runs are done. */
async function observe(c: Condition, spanS: number): Promise<() => Promise<unknown>> {
  const admin = svc.adminUrl;
  if (c === "cpu100" || c === "trace") {
    const path = c === "cpu100" ? `/debug/pprof/profile?seconds=${spanS}&hz=100` : `/debug/pprof/trace?seconds=${spanS}&hz=100`;
    const pending = fetch(`${admin}${path}`).then(async (r) => {
      const bytes = (await r.arrayBuffer()).byteLength;
      if (r.status !== 200) throw new Error(`${path}: ${r.status}`);
      return { path, bytes };
    });
    return () => pending;
  }
  if (c === "rates") {
    const r = await fetch(`${admin}/debug/pprof/rates?block=${f["block-rate"]}&mutex=1&seconds=${spanS}`, { method: "POST" });
    if (r.status !== 200) fail(`rates: ${r.status}`, 1);
    const since = Date.now();
    return async () => {
      const block = (await (await fetch(`${admin}/debug/pprof/block?format=json`)).json()) as { nowMs: number; stalls: { end: number; delayMs: number }[]; histogramMs: unknown };
      await fetch(`${admin}/debug/pprof/rates?block=0&mutex=0`, { method: "POST" });
      // Stall times are the server's performance.now(); keep those that ended within this window.
      const windowMs = Date.now() - since;
      const mine = block.stalls.filter((s) => s.end >= block.nowMs - windowMs);
      return { stalls: mine.length, maxStallMs: Math.max(0, ...mine.map((s) => s.delayMs)), loopDelayMs: block.histogramMs };
    };
  }
  return async () => null;
}

interface Run {
  round: number;
  condition: Condition;
  wrkRps: number;
  /** Server CPU time per request during the wrk run. */
  cpuUsPerRequest: number;
  fixedRps: number;
  p50Ms: number;
  p99Ms: number;
  loadValid: boolean;
  loadReasons: string[];
  observer: unknown;
}

/** The in-process measurement: alternating slices with the sampler off and on, adjacent in time. */
const SAMPLER_PAIRS = 30;
const SAMPLER_SLICE_MS = 200;
/** 100 Hz is the CPU profile's default; the other is what block profiling at --block-rate runs the sampler at. */
const SAMPLER_RATES_HZ = [100, Math.round(1000 / blockSampleIntervalMs(f["block-rate"]))];

/**
 * Runs the variant's whole handler (minus HTTP) on one batch for `ms`, yielding to the event loop every few
 * ms so the sampler's drain timer runs as it would in the server; returns batches per second.
 */
async function handlerRate(ms: number, respond: () => unknown): Promise<number> {
  let n = 0;
  const end = performance.now() + ms;
  let nextYield = performance.now() + 5;
  while (performance.now() < end) {
    await respond();
    n++;
    if (performance.now() >= nextYield) {
      await new Promise((r) => setImmediate(r));
      nextYield = performance.now() + 5;
    }
  }
  return (n * 1000) / ms;
}

async function measureSamplerCostAsync(): Promise<{ hz: number; deltaPct: ReturnType<typeof summarize> }[]> {
  // This process is the one measured here: pin it where the server ran.
  pinSelf(pin.server);
  const variant = getVariant(f.variant);
  const ctx = { index: openTsIndex(indexDir!, { verify: "headers" }), limits: DEFAULT_LIMITS };
  const req = JSON.parse(bodies[0]!);
  const respond = () => variant.respond(req, ctx);
  await handlerRate(1000, respond); // warm the JIT
  const out = [];
  for (const hz of SAMPLER_RATES_HZ) {
    const deltas: number[] = [];
    const sampled = async () => {
      const stop = subscribe(1000 / hz, () => {});
      const rate = await handlerRate(SAMPLER_SLICE_MS, respond);
      stop();
      await Bun.sleep(20); // let the sampler stop before an "off" slice
      return rate;
    };
    for (let i = 0; i < SAMPLER_PAIRS; i++) {
      // Alternate which slice goes first, so warm-up or GC debt does not favour either side.
      let off: number, on: number;
      if (i % 2 === 0) {
        off = await handlerRate(SAMPLER_SLICE_MS, respond);
        on = await sampled();
      } else {
        on = await sampled();
        off = await handlerRate(SAMPLER_SLICE_MS, respond);
      }
      deltas.push((on / off - 1) * 100);
    }
    out.push({ hz, deltaPct: summarize(deltas) });
    process.stderr.write(`sampler cost at ${hz} Hz: ${summarize(deltas).median.toFixed(1)}% throughput (median of ${SAMPLER_PAIRS} pairs)\n`);
  }
  return out;
}

const runs: Run[] = [];
try {
  wrk(1); // warm the JIT and the connections; not recorded
  let fixedRps = f.rps ?? 0;
  for (let round = 1; round <= f.rounds; round++) {
    // Rotate: round 2 starts with the second condition, and so on.
    const order = conditions.map((_, i) => conditions[(i + round - 1) % conditions.length]!);
    if (round === 1) order.sort((a, b) => (a === "baseline" ? -1 : b === "baseline" ? 1 : 0));
    for (const condition of order) {
      const spanS = 2 * durationS + 3;
      const done = await observe(condition, spanS);
      await Bun.sleep(200);
      const c0 = await counters();
      const w = wrk(durationS);
      const c1 = await counters();
      // The /metrics scrape itself is one request's worth of noise against thousands.
      const cpuUsPerRequest = ((c1.cpu - c0.cpu) / Math.max(1, c1.requests - c0.requests)) * 1e6;
      if (!fixedRps) fixedRps = Math.max(1, Math.round(w.rps / 2));
      const l = await load(fixedRps);
      const observer = await done();
      runs.push({ round, condition, wrkRps: w.rps, cpuUsPerRequest, fixedRps, p50Ms: l.p50, p99Ms: l.p99, loadValid: l.valid, loadReasons: l.reasons, observer });
      process.stderr.write(`round ${round} ${condition.padEnd(8)} wrk ${w.rps.toFixed(0)} req/s, ${cpuUsPerRequest.toFixed(0)} µs CPU/req; at ${fixedRps} req/s p50 ${l.p50.toFixed(2)} ms p99 ${l.p99.toFixed(2)} ms${l.valid ? "" : " (INVALID run)"}\n`);
    }
  }
} finally {
  await svc.stop();
}

// Deltas are paired: each condition against the baseline of its own round (minutes apart at most), then the
// median over rounds. On a shared machine this removes the slow drift that dominates unpaired medians.
const baselineOf = new Map(runs.filter((r) => r.condition === "baseline").map((r) => [r.round, r]));
const pairedPct = (mine: Run[], pick: (r: Run) => number) => {
  const ratios = mine.map((r) => pick(r) / pick(baselineOf.get(r.round)!) - 1).map((x) => x * 100);
  return summarize(ratios);
};
const table = conditions.map((c) => {
  const mine = runs.filter((r) => r.condition === c);
  return {
    condition: c,
    throughput: summarize(mine.map((r) => r.wrkRps)),
    throughputDeltaPct: pairedPct(mine, (r) => r.wrkRps),
    cpuUsPerRequest: summarize(mine.map((r) => r.cpuUsPerRequest)),
    cpuDeltaPct: pairedPct(mine, (r) => r.cpuUsPerRequest),
    p99Ms: summarize(mine.map((r) => r.p99Ms)),
    p99DeltaPct: pairedPct(mine, (r) => r.p99Ms),
    allLoadRunsValid: mine.every((r) => r.loadValid),
  };
});

const samplerCost = await measureSamplerCostAsync();

const pct = (x: number) => `${x >= 0 ? "+" : ""}${x.toFixed(1)}%`;
const spread = (d: { median: number; min: number; max: number }) => `${pct(d.median)} [${pct(d.min)}, ${pct(d.max)}]`;
const lines = [
  `observer effect: ${f.variant}, ${f.mix} mix, ${f.rounds} round(s) × ${durationS}s per run, ${pin.note}; load average at start ${meta.loadAverage.map((x) => x.toFixed(2)).join(" ")}`,
  "Δ = median over rounds of (condition ÷ same-round baseline − 1) [min, max]",
  "",
  `condition  wrk req/s median         Δ throughput                 server CPU µs/req   Δ CPU/req                    p99 ms at ${runs[0]?.fixedRps ?? 0} req/s   Δ p99`,
  ...table.map((t) => {
    const d = (x: { median: number; min: number; max: number }) => (t.condition === "baseline" ? "" : spread(x));
    return (
      `${t.condition.padEnd(10)} ${t.throughput.median.toFixed(0).padStart(6)} (${t.throughput.min.toFixed(0)}–${t.throughput.max.toFixed(0)})`.padEnd(34) +
      d(t.throughputDeltaPct).padEnd(29) +
      `${t.cpuUsPerRequest.median.toFixed(0).padStart(6)}`.padEnd(20) +
      d(t.cpuDeltaPct).padEnd(29) +
      `${t.p99Ms.median.toFixed(2).padStart(8)} (${t.p99Ms.min.toFixed(1)}–${t.p99Ms.max.toFixed(1)})`.padEnd(26) +
      d(t.p99DeltaPct) +
      (t.allLoadRunsValid ? "" : "  (some load runs INVALID: generator fell behind)")
    );
  }),
  "",
  `sampler cost on the JS thread (in-process, ${f.variant}.respond on one ${f.mix} batch, ${SAMPLER_PAIRS} adjacent off/on pairs of ${SAMPLER_SLICE_MS} ms, pinned):`,
  ...samplerCost.map((c) => `  ${String(c.hz).padStart(5)} Hz: throughput ${spread(c.deltaPct)}`),
];
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
