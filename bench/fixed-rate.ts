/**
 * Usage: bun bench/fixed-rate.ts --variant V --rps R [--mix thin] [--duration 30s] [--repeat 3] [--timers precise,ms] [--rt] [--out DIR]
 *
 * The SLO measurement with nothing else attached: a pinned service (CPU 0)
 * offered an open-model rate by `bun run load` (CPU 1), `--repeat` runs in a
 * row against one service, no profiler, no trace, no capture window. A
 * profile bundle (scripts/profile.ts) measures the same rate with its own
 * work on the service's loop (the capture's end, the trace, the scrapes),
 * which the latency then includes; this is the figure without it. Per run:
 * corrected, service-time and send-lag percentiles, the load tool's validity
 * and the service's sheds (its /metrics, read after each run). With
 * `--timers precise,ms` each round runs the load once per generator timer,
 * interleaved against the same service, so the generator's own lateness is
 * measured apart from the service's (FINDINGS §41). A run during which the
 * hypervisor stole more than `--max-steal` of either CPU (/proc/stat), or
 * more than `--max-window-steal` in any one second of it (a tail is made in
 * bursts: 1.5% over 25 s tripled a p99, FINDINGS §41), is a
 * measurement of the host, not of the service: it is kept in meta.json,
 * marked, left out of the medians, and run again (up to `--retries` times),
 * as bench/load-capacity.ts re-runs a rate the shared machine made invalid.
 * Writes DIR/meta.json with every run and the medians, per timer.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cli, fail } from "../src/cli/args.ts";
import type { LoadResult } from "../src/load/index.ts";
import { ensureDefaultIndex } from "../src/service/default-index.ts";
import { PROJECT_ROOT } from "../src/root.ts";
import { collectMeta, HostSpan, maxShare, pinning, sharesText, stealWarning, summarize } from "../scripts/lib/meta.ts";
import { parseProm } from "../scripts/profile/prom.ts";
import { type RunningService, spawnService } from "../scripts/lib/spawn-service.ts";

const args = cli(process.argv.slice(2), "Usage: bun bench/fixed-rate.ts --variant V --rps R [options]\n\nCorrected p99 at a fixed open-model rate against a pinned service, with no profiler attached, several runs in a row.", {
  variant: { kind: "string", help: "the service's --variant" },
  rps: { kind: "number", help: "offered rate, requests/s" },
  mix: { kind: "string", help: "request corpus", default: "thin", choices: ["thin", "default", "fat"] },
  duration: { kind: "duration", help: "each run's measured period", default: "30s" },
  warmup: { kind: "duration", help: "each run's warm-up (samples discarded)", default: "5s" },
  repeat: { kind: "number", help: "rounds, one after another (one run per timer in each)", default: 3 },
  "max-steal": { kind: "number", help: "a run whose host steal exceeded this share of a CPU is left out and re-run (1 = keep every run)", default: 0.02 },
  "max-window-steal": { kind: "number", help: "the same for any one-second window of the run (bun run load's windows[].hostSteal; /proc/stat counts in 1% steps)", default: 0.05 },
  retries: { kind: "number", help: "re-runs of a run the host's steal spoiled", default: 3 },
  timers: { kind: "string", help: "the load generator's --timer, a comma list run interleaved: precise, ms", default: "precise" },
  index: { kind: "string", help: "index directory (default data/default, built on first use)" },
  rt: { kind: "boolean", help: "run the service at SCHED_FIFO 30, threads included (root; a machine shared with other work)" },
  "server-args": { kind: "string", help: "more flags for the service, as one string", default: "" },
  out: { kind: "string", help: "directory for meta.json (default profiles/fixed-rate/<variant>-<mix>-<rps>)" },
});
if (!args.variant || !args.rps) fail("--variant and --rps are required", 2);
if (args.repeat < 1) fail("--repeat must be at least 1", 2);
const timers = args.timers.split(",").map((t) => t.trim());
for (const t of timers) if (t !== "precise" && t !== "ms") fail(`--timers: expected precise or ms (comma-separated), got '${t}'`, 2);

const pin = pinning();
const meta = collectMeta();
const index = args.index ?? ensureDefaultIndex();
const out = args.out ?? join(PROJECT_ROOT, "profiles/fixed-rate", `${args.variant}-${args.mix}-${args.rps}`);
const serverArgs = args["server-args"].split(/\s+/).filter(Boolean);

const pct = (r: LoadResult, h: "corrected" | "service" | "sendLag") => ({ p50: r.latency[h].p50, p99: r.latency[h].p99, p99_9: r.latency[h].p99_9, max: r.latency[h].max });
const shedOf = async (s: RunningService) => {
  const m = parseProm(await (await fetch(`${s.adminUrl}/metrics`)).text());
  let n = 0;
  for (const [k, v] of m) if (k.startsWith("enrich_http_shed_total")) n += v;
  return n;
};

const server = await spawnService(["--index", index, "--variant", args.variant, ...serverArgs], { prefix: pin.server });
const runs: { timer: string; round: number; corrected: ReturnType<typeof pct>; service: ReturnType<typeof pct>; sendLag: ReturnType<typeof pct>; valid: boolean; ok: number; errors: number; shed: number; hostSteal: Record<string, number>; worstWindowSteal: number | null; attempt: number; counted: boolean; command: string }[] = [];
try {
  if (args.rt) {
    const r = Bun.spawnSync(["chrt", "-a", "-f", "-p", "30", String(server.proc.pid)], { stdout: "pipe", stderr: "pipe" });
    if (!r.success) fail(`--rt: chrt failed: ${r.stderr.toString()}`, 1);
  }
  let shedBefore = await shedOf(server);
  const runOnce = async (i: number, timer: string, attempt: number) => {
    const cmd = [...pin.load, process.execPath, "src/load/cli.ts", "--url", `${server.url}/enrich`, "--corpus", join(index, `${args.mix}.ndjson`), "--rps", String(args.rps), "--duration", `${args.duration}ms`, "--warmup", `${args.warmup}ms`, "--timer", timer, "--json", "--quiet"];
    const shown = cmd.join(" ").replace(process.execPath, "bun");
    const span = new HostSpan();
    const r = Bun.spawnSync(cmd, { cwd: PROJECT_ROOT, stdout: "pipe", stderr: "inherit" });
    // Steal comes in bursts: per run, so a run the host took is seen as such.
    const hostSteal = span.steal();
    let result: LoadResult;
    try {
      result = JSON.parse(r.stdout.toString()) as LoadResult;
    } catch {
      throw new Error(`the load tool did not answer JSON (exit ${r.exitCode}): ${r.stdout.toString().slice(0, 500)}`);
    }
    const shed = await shedOf(server);
    const c = result.counts;
    const windowSteals = result.windows.map((w) => w.hostSteal).filter((x) => typeof x === "number" && Number.isFinite(x));
    const worstWindowSteal = windowSteals.length ? Math.max(...windowSteals) : null;
    const counted = maxShare(hostSteal) <= args["max-steal"] && (worstWindowSteal ?? 0) <= args["max-window-steal"];
    runs.push({ timer, round: i, corrected: pct(result, "corrected"), service: pct(result, "service"), sendLag: pct(result, "sendLag"), valid: result.validity.valid, ok: c.ok, errors: c.httpError + c.timeout + c.transport, shed: shed - shedBefore, hostSteal, worstWindowSteal, attempt, counted, command: shown });
    shedBefore = shed;
    const last = runs.at(-1)!;
    console.error(`fixed-rate: round ${i}/${args.repeat}, --timer ${timer}${attempt > 1 ? ` (attempt ${attempt})` : ""}: corrected p99 ${last.corrected.p99.toFixed(2)} ms, service p99 ${last.service.p99.toFixed(2)} ms, send lag p99 ${last.sendLag.p99.toFixed(2)} ms; ${last.ok} ok, ${last.errors} errors, ${last.shed} shed; host steal ${sharesText(hostSteal)}, worst second ${worstWindowSteal === null ? "?" : `${(worstWindowSteal * 100).toFixed(0)}%`}${counted ? "" : " — over --max-steal/--max-window-steal, not counted"}${last.valid ? "" : "; INVALID"}`);
    return counted;
  };
  for (let i = 1; i <= args.repeat; i++) for (const timer of timers) for (let attempt = 1; attempt <= 1 + args.retries && !(await runOnce(i, timer, attempt)); attempt++);
} finally {
  await server.stop();
}
const summaryOf = (mine: typeof runs) => {
  const med = (f: (r: (typeof runs)[number]) => number) => summarize(mine.map(f));
  return { correctedP99Ms: med((r) => r.corrected.p99), serviceP99Ms: med((r) => r.service.p99), sendLagP99Ms: med((r) => r.sendLag.p99), correctedP50Ms: med((r) => r.corrected.p50) };
};
const counted = runs.filter((r) => r.counted);
const byTimer = Object.fromEntries(timers.filter((t) => counted.some((r) => r.timer === t)).map((t) => [t, summaryOf(counted.filter((r) => r.timer === t))]));
mkdirSync(out, { recursive: true });
writeFileSync(join(out, "meta.json"), JSON.stringify({ ...meta, variant: args.variant, mix: args.mix, rps: args.rps, index, serverArgs, pinning: pin.note, scheduling: args.rt ? "service at SCHED_FIFO 30 (chrt -a); load generator default" : "default", timers, maxSteal: args["max-steal"], maxWindowSteal: args["max-window-steal"], retries: args.retries, notCounted: runs.length - counted.length, summary: byTimer[timers[0]!] ?? null, byTimer, runs }, null, 2) + "\n");
for (const t of timers) {
  const s = byTimer[t];
  if (!s) {
    console.log(`fixed-rate: --timer ${t}: no run within --max-steal ${args["max-steal"]} and --max-window-steal ${args["max-window-steal"]}: the host, not the service, was measured`);
    continue;
  }
  console.log(`fixed-rate: ${args.variant} ${args.mix} @ ${args.rps}/s, --timer ${t}: corrected p99 ${s.correctedP99Ms.median.toFixed(2)} ms (${s.correctedP99Ms.min.toFixed(2)}–${s.correctedP99Ms.max.toFixed(2)}, n=${s.correctedP99Ms.n}); service p99 ${s.serviceP99Ms.median.toFixed(2)}; send lag p99 ${s.sendLagP99Ms.median.toFixed(2)}`);
}
if (counted.length < runs.length) console.error(`fixed-rate: ${runs.length - counted.length} of ${runs.length} runs were over --max-steal ${args["max-steal"]} or --max-window-steal ${args["max-window-steal"]} and are not counted (meta.json runs[].counted)`);
const steal = stealWarning(meta);
if (steal) console.error(steal);
console.log(out);
