/**
 * Usage: bun bench/load-capacity.ts [--start 20000] [--step 10000] [--max 200000] [--retries 2]
 *                                   [--duration 2s] [--warmup 1s] [--connections 256] [--transport raw|fetch] [--timer precise|ms]
 *                                   [--wrk-duration 5s] [--wrk-runs 2] [--wrk-connections 64] [--out DIR]
 *
 * Capacity of the instrument: the highest arrival rate the load harness
 * holds *validly* (every run judged by its validity rules) against a trivial
 * Bun server, next to wrk's closed-loop figure on the same server in the same
 * run. Server pinned to CPU 0, harness and wrk to CPU 1 (taskset), so each
 * generator gets exactly one core.
 *
 * The harness climbs a ladder of rates (`bun run load` per run, --start,
 * +--step, ... up to --max) until two rates in a row stay invalid. On a shared
 * machine other work only ever lowers a figure, and a valid run is itself
 * proof the generator kept its schedule at that rate, so a run made invalid
 * is re-run up to --retries times; the figure is the highest valid rate,
 * compared with the best wrk run (medians are kept beside). wrk runs before
 * and after the harness. Everything, with the conditions, goes to
 * DIR/meta.json (default .bench-out/load-capacity) and DIR/ladder.svg.
 *
 * Needs wrk (apt-get install -y wrk) and taskset (util-linux).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join, resolve } from "node:path";
import { PROJECT_ROOT as ROOT } from "../src/root.ts";
import { cli, fail } from "../src/cli/args.ts";
import { formatDuration } from "../src/cli/duration.ts";
import { type FindMaxResult, type Step, worstSteal } from "../src/load/find-max.ts";
import { curveSvg } from "../src/load/plot.ts";
import type { LoadResult } from "../src/load/result.ts";
import { collectMeta } from "../scripts/lib/meta.ts";

const f = cli(process.argv.slice(2), "Usage: bun bench/load-capacity.ts [options]\n\nHighest valid harness rate vs wrk's closed-loop rate on one trivial pinned Bun server.", {
  start: { kind: "number", help: "first rate of the ladder", default: 20000 },
  step: { kind: "number", help: "ladder increment", default: 10000 },
  max: { kind: "number", help: "last rate of the ladder", default: 200000 },
  retries: { kind: "number", help: "re-runs of a rate the shared machine made invalid (a valid run proves the rate)", default: 2 },
  duration: { kind: "duration", help: "measured period of each run", default: "2s" },
  warmup: { kind: "duration", help: "warmup of each run", default: "1s" },
  // An open-model generator needs spare connections to keep offering load through server jitter
  // (at 80k req/s a 1 ms hiccup fills 80); a closed-loop one just slows down. The harness opens them
  // only when a due request finds none idle, so this is headroom, not 256 requests in flight.
  connections: { kind: "number", help: "harness keep-alive connections (upper bound; opened on demand)", default: 256 },
  transport: { kind: "string", help: "harness transport", choices: ["raw", "fetch"], default: "raw" },
  timer: { kind: "string", help: "harness timer (bun run load --timer)", choices: ["precise", "ms"], default: "precise" },
  "wrk-duration": { kind: "duration", help: "length of each wrk run", default: "5s" },
  "wrk-runs": { kind: "number", help: "wrk runs before and again after the harness", default: 2 },
  "wrk-connections": { kind: "number", help: "wrk connections (closed loop: this many requests always outstanding)", default: 64 },
  port: { kind: "number", help: "server port", default: 18190 },
  out: { kind: "string", help: "where meta.json, the ladder and the raw outputs go", default: ".bench-out/load-capacity" },
});

const has = (cmd: string) => Bun.spawnSync(["sh", "-c", `command -v ${cmd}`]).success;
const haveWrk = has("wrk");
const pinned = has("taskset") && cpus().length >= 2;
const pin = (cpu: number) => (pinned ? ["taskset", "-c", String(cpu)] : []);
if (!haveWrk) process.stderr.write("WRK IS MISSING: install it (apt-get install -y wrk); the harness figure will be measured alone and the run exits 1.\n");
if (!pinned) process.stderr.write("warning: not pinned (taskset missing or fewer than 2 cores): figures are not comparable to pinned ones\n");

const out = resolve(ROOT, f.out);
mkdirSync(out, { recursive: true });
const body = JSON.stringify({ events: [{ key: "1", attrs: {} }] });
const corpus = join(out, "corpus.ndjson");
writeFileSync(corpus, body + "\n");
// The fastest wrk path: a fixed request built once (no per-request Lua), the same bytes the harness sends.
const lua = join(out, "post.lua");
writeFileSync(lua, `wrk.method = "POST"\nwrk.body = ${JSON.stringify(body)}\nwrk.headers["Content-Type"] = "application/json"\n`);

const serverCmd = [...pin(0), process.execPath, join(ROOT, "bench/load-capacity.server.ts"), "--port", String(f.port)];
const server = Bun.spawn(serverCmd, { stdout: "pipe", stderr: "inherit" });
const first = new TextDecoder().decode((await server.stdout.getReader().read()).value ?? new Uint8Array());
if (!first.startsWith("ready")) fail(`server did not start: ${first.trim() || "no output"}`, 1);
const url = `http://127.0.0.1:${f.port}/enrich`;
process.on("exit", () => server.kill());
const rel = (cmd: string[]) => cmd.join(" ").replaceAll(process.execPath, "bun").replaceAll(ROOT + "/", "");

function wrk(label: string) {
  const cmd = [...pin(1), "wrk", "-t1", `-c${f["wrk-connections"]}`, `-d${Math.round(f["wrk-duration"] / 1000)}s`, "-s", lua, url];
  process.stderr.write(`wrk (${label}): ${rel(cmd)}\n`);
  const r = Bun.spawnSync(cmd, { stdout: "pipe", stderr: "pipe" });
  const text = r.stdout.toString();
  writeFileSync(join(out, `wrk-${label}.txt`), text + r.stderr.toString());
  const m = /Requests\/sec:\s+([\d.]+)/.exec(text);
  if (!m) fail(`wrk printed no rate: ${r.stderr.toString().trim() || text.trim()}`, 1);
  return { cmd: rel(cmd), rps: Number(m[1]) };
}
const wrkRuns = (label: string) => (haveWrk ? Array.from({ length: f["wrk-runs"] }, (_, k) => wrk(`${label}-${k + 1}`)) : []);

const harness = (rps: number) => [
  ...pin(1), process.execPath, join(ROOT, "src/load/cli.ts"),
  "--url", url, "--corpus", corpus, "--rps", String(rps),
  "--duration", formatDuration(f.duration), "--warmup", formatDuration(f.warmup), "--timeout", "2s",
  "--connections", String(f.connections), "--transport", f.transport, "--timer", f.timer, "--json", "--quiet",
];

const loadBefore = loadavg();
// Its hostCpu (the host's busy and steal share per CPU) spans the whole ladder.
const run = collectMeta();
const wrkBefore = wrkRuns("before");
process.stderr.write(`harness: ${rel(harness(f.start))} (per rate)\n`);
const steps: Step[] = [];
let misses = 0;
for (let rps = f.start; rps <= f.max && misses < 2; rps += f.step) {
  let valid = false;
  for (let attempt = 1; attempt <= 1 + f.retries && !valid; attempt++) {
    const h = Bun.spawnSync(harness(rps), { stdout: "pipe", stderr: "pipe" });
    if (h.exitCode !== 0 && h.exitCode !== 3) fail(`the harness failed (exit ${h.exitCode}): ${h.stderr.toString().trim()}`, 1);
    const r = JSON.parse(h.stdout.toString()) as LoadResult;
    const c = r.latency.corrected;
    valid = r.validity.valid;
    const step: Step = {
      rps, achievedRps: r.achievedRps, verdict: valid ? "pass" : "invalid", valid, reasons: r.validity.reasons,
      p50: c.p50, p90: c.p90, p99: c.p99, p99_9: c.p99_9, max: c.max,
      errors: r.counts.httpError + r.counts.timeout + r.counts.transport, scheduled: r.counts.scheduled, attempt, hostSteal: worstSteal(r),
    };
    steps.push(step);
    const cpu = r.validity.checks.peakCpuProcess;
    process.stderr.write(`  ${rps} req/s #${attempt}: ${valid ? "valid" : `INVALID (${r.validity.reasons[0]})`}; achieved ${r.achievedRps}, p99 ${c.p99} ms, CPU ${Math.round(cpu * 100)}%\n`);
  }
  misses = valid ? 0 : misses + 1;
}
const wrkAfter = wrkRuns("after");

const validRates = steps.filter((s) => s.valid).map((s) => s.rps);
const harnessRps = validRates.length ? Math.max(...validRates) : 0;
const wrkAll = [...wrkBefore, ...wrkAfter].map((w) => w.rps);
const wrkBest = wrkAll.length ? Math.max(...wrkAll) : null;
const wrkMedian = wrkAll.length ? [...wrkAll].sort((a, b) => a - b)[wrkAll.length >> 1]! : null;
const ladder: FindMaxResult = { tool: "enrich-load", mode: "find-max", url, p99ThresholdMs: 1000, maxRps: harnessRps || null, limitedBy: "generator", steps, best: null };
writeFileSync(join(out, "ladder.svg"), curveSvg(ladder));
const gitRev = Bun.spawnSync(["git", "rev-parse", "HEAD"], { cwd: ROOT, stdout: "pipe" }).stdout.toString().trim();
const round2 = (x: number) => Math.round(x * 100) / 100;
const meta = {
  benchmark: "load-capacity",
  command: ["bun", "bench/load-capacity.ts", ...process.argv.slice(2)].join(" "),
  date: new Date().toISOString(),
  git: gitRev,
  bun: Bun.version,
  cpu: { model: cpus()[0]?.model ?? "unknown", cores: cpus().length },
  pinning: pinned ? "server on CPU 0; harness and wrk on CPU 1 (taskset -c)" : "not pinned",
  loadavg: { before: loadBefore.map(round2), after: loadavg().map(round2) },
  note: "shared machine: other work may run on either core and only ever lowers a figure",
  hostCpu: run.hostCpu,
  server: rel(serverCmd),
  harness: {
    command: rel(harness(0)).replace("--rps 0", "--rps R"),
    transport: f.transport,
    timer: f.timer,
    connections: f.connections,
    maxValidRps: harnessRps,
    steps: steps.map((s) => ({ rps: s.rps, attempt: s.attempt, valid: s.valid, achieved: s.achievedRps, p99: s.p99, reasons: s.reasons })),
  },
  wrk: wrkAll.length ? { command: wrkBefore[0]!.cmd, before: wrkBefore.map((w) => w.rps), after: wrkAfter.map((w) => w.rps), best: wrkBest, median: wrkMedian, model: "closed loop" } : "missing",
  ratio: wrkBest ? Math.round((harnessRps / wrkBest) * 1000) / 1000 : null,
};
writeFileSync(join(out, "meta.json"), JSON.stringify(meta, null, 2) + "\n");

console.log(`harness (open model, ${f.transport} transport): highest valid rate ${harnessRps} req/s`);
console.log(wrkBest ? `wrk (closed loop, ${f["wrk-connections"]} connections): best ${Math.round(wrkBest)} req/s, median ${Math.round(wrkMedian!)} (runs: ${wrkAll.map(Math.round).join(", ")})` : "wrk: MISSING (apt-get install -y wrk)");
if (meta.ratio !== null) console.log(`harness / wrk = ${meta.ratio}`);
console.log(`written: ${join(out, "meta.json")}`);
server.kill();
process.exit(haveWrk ? 0 : 1);
