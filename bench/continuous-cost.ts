/**
 * Usage: bun bench/continuous-cost.ts [--pairs 3] [--round 60s] [--mix default] [--out DIR]
 *
 * What `--continuous-profile` costs in throughput, as a ratio measured in one
 * run: two service processes on the same pinned core (CPU 0), one with
 * `--continuous-profile DIR` at the default schedule (10 s every 60 s: CPU,
 * heap, block) and one without, loaded in turn by wrk (pinned to CPU 1) for
 * rounds of one period each, in ABBA order (on off, off on, ...), so each
 * on-round holds exactly one capture window and drift hits both sides alike.
 * Reports each pair's on/off throughput ratio and their median, and the
 * same for the service's own CPU time (all threads, /proc) per answered
 * request, which other work on a shared machine cannot inflate; the profiled service's
 * own CPU time during the off-rounds (its captures of an idle process, which
 * land on the same core) is reported beside it. Afterwards, the directory's
 * files are listed and `history --at` is run on it, so the run doubles as
 * the "N minutes leave the expected files" check. Writes DIR/meta.json.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cli, fail } from "../src/cli/args.ts";
import { formatDuration } from "../src/cli/duration.ts";
import { CONTINUOUS_DEFAULTS } from "../src/config.ts";
import { listCaptures } from "../src/admin/continuous/files.ts";
import { ensureDefaultIndex } from "../src/service/default-index.ts";
import { PROJECT_ROOT } from "../src/root.ts";
import { collectMeta, pinning, summarize } from "../scripts/lib/meta.ts";
import { spawnService } from "../scripts/lib/spawn-service.ts";
import { parseWrk, wrkCommand } from "./wrk/run.ts";

const args = cli(process.argv.slice(2), "Usage: bun bench/continuous-cost.ts [options]\n\nThroughput with --continuous-profile against without, interleaved, one run.", {
  pairs: { kind: "number", help: "on/off pairs (each two rounds)", default: 3 },
  round: { kind: "duration", help: "length of each wrk round: one schedule period, so every on-round holds one window", default: formatDuration(CONTINUOUS_DEFAULTS.everyMs) },
  warmup: { kind: "duration", help: "discarded wrk run per side first", default: "10s" },
  mix: { kind: "string", help: "request corpus", default: "default", choices: ["thin", "default", "fat"] },
  connections: { kind: "number", help: "wrk connections (few: the service is saturated by a handful, and admission control sheds beyond its limits)", default: 8 },
  variant: { kind: "string", help: "service variant", default: "v0" },
  kinds: { kind: "string", help: "--continuous-profile-kinds of the profiled service", default: CONTINUOUS_DEFAULTS.kinds.join(",") },
  "profile-dir": { kind: "string", help: "where the profiled service writes its captures", default: "/tmp/enrich-continuous-cost" },
  out: { kind: "string", help: "directory for meta.json", default: `profiles/continuous-cost` },
});
if (!Bun.which("wrk")) fail("wrk is not installed (apt-get install -y wrk)");
if (!Number.isInteger(args.pairs) || args.pairs < 1) fail("--pairs: expected a positive integer");

const index = ensureDefaultIndex();
const corpus = join(index, `${args.mix}.ndjson`);
const pin = pinning();
const meta = collectMeta();
rmSync(args["profile-dir"], { recursive: true, force: true });

/** utime + stime of a process, in seconds (/proc/PID/stat fields 14 and 15). */
function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, "latin1").split(") ")[1]!.split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
}

function wrk(ms: number, url: string) {
  const cmd = wrkCommand({ prefix: pin.load, connections: args.connections, seconds: ms / 1000, url, corpus });
  const r = Bun.spawnSync(cmd, { cwd: PROJECT_ROOT, stdout: "pipe", stderr: "pipe" });
  const text = r.stdout.toString();
  const out = parseWrk(text);
  if (!r.success || !out) throw new Error(`wrk failed: ${r.stderr.toString() || text}`);
  // Throughput is answered work: a request shed with 503 (admission control after a loop stall) is not.
  return { cmd: cmd.join(" "), rps: out.answeredPerSecond, failed: out.non2xx };
}

const base = ["--index", index, "--variant", args.variant];
const on = await spawnService([...base, "--continuous-profile", args["profile-dir"], "--continuous-profile-kinds", args.kinds], { prefix: pin.server });
const off = await spawnService(base, { prefix: pin.server });
const kill = () => (on.proc.kill("SIGTERM"), off.proc.kill("SIGKILL"));
process.on("SIGINT", () => (kill(), process.exit(130)));
const startedMs = Date.now();
try {
  process.stderr.write(`continuous-cost: warmup ${formatDuration(args.warmup)} each\n`);
  wrk(args.warmup, on.url);
  wrk(args.warmup, off.url);
  const pairs: { on: number; off: number; ratio: number; order: string; onIdleCpuS: number; failedOn: number; failedOff: number; cpuUsPerRequestOn: number; cpuUsPerRequestOff: number; cpuRatio: number }[] = [];
  for (let i = 0; i < args.pairs; i++) {
    const order = i % 2 === 0 ? ["on", "off"] : ["off", "on"];
    const got: Record<string, number> = {};
    const failed: Record<string, number> = {};
    const cpuPerReq: Record<string, number> = {};
    let onIdleCpuS = 0;
    for (const side of order) {
      const before = cpuSeconds(on.proc.pid);
      const svc = side === "on" ? on : off;
      const cpu0 = cpuSeconds(svc.proc.pid);
      const w = wrk(args.round, svc.url);
      // The service's own CPU (all its threads) per answered request: what other processes on the machine cannot inflate.
      cpuPerReq[side] = ((cpuSeconds(svc.proc.pid) - cpu0) * 1e6) / (w.rps * (args.round / 1000));
      got[side] = w.rps;
      failed[side] = w.failed;
      if (side === "off") onIdleCpuS = cpuSeconds(on.proc.pid) - before;
      process.stderr.write(`continuous-cost: pair ${i + 1}/${args.pairs} ${side}: ${got[side]!.toFixed(0)} req/s answered${failed[side] ? `, ${failed[side]} non-2xx` : ""}\n`);
    }
    pairs.push({ on: got.on!, off: got.off!, ratio: got.on! / got.off!, order: order.join(","), onIdleCpuS, failedOn: failed.on!, failedOff: failed.off!, cpuUsPerRequestOn: cpuPerReq.on!, cpuUsPerRequestOff: cpuPerReq.off!, cpuRatio: cpuPerReq.on! / cpuPerReq.off! });
  }
  const ratio = summarize(pairs.map((p) => p.ratio));
  const cpuRatio = summarize(pairs.map((p) => p.cpuRatio));
  const files = listCaptures(args["profile-dir"]);
  const minutes = [...new Set(files.map((f) => new Date(f.startMs).toISOString().slice(11, 16)))];
  const at = minutes[Math.floor(minutes.length / 2)] ?? "00:00";
  const hist = Bun.spawnSync([process.execPath, "scripts/profile.ts", "history", args["profile-dir"], "--at", at, "-n", "8"], { cwd: PROJECT_ROOT, stdout: "pipe", stderr: "pipe" });
  const result = {
    what: "throughput with --continuous-profile at the default schedule against without, ABBA-interleaved rounds of one period each, in one run",
    schedule: { windowMs: CONTINUOUS_DEFAULTS.windowMs, everyMs: CONTINUOUS_DEFAULTS.everyMs, kinds: args.kinds.split(","), cpuHz: CONTINUOUS_DEFAULTS.hz, blockRateMs: CONTINUOUS_DEFAULTS.blockRateMs },
    variant: args.variant,
    mix: args.mix,
    connections: args.connections,
    roundMs: args.round,
    pinning: pin.note,
    pairs,
    ratio,
    costPercent: Math.round((1 - ratio.median) * 10000) / 100,
    cpuPerRequestRatio: cpuRatio,
    cpuCostPercent: Math.round((cpuRatio.median - 1) * 10000) / 100,
    hostLoadAverageAtEnd: (await import("node:os")).loadavg(),
    profiledServiceRunMs: Date.now() - startedMs,
    captures: { files: files.length, byKind: Object.fromEntries(["cpu", "heap", "block"].map((k) => [k, files.filter((f) => f.kind === k).length])), minutes, first: files[0]?.file ?? null, last: files[files.length - 1]?.file ?? null },
    historyAt: { command: `bun scripts/profile.ts history ${args["profile-dir"]} --at ${at} -n 8`, exitCode: hist.exitCode, stdout: hist.stdout.toString(), stderr: hist.stderr.toString() },
    meta,
  };
  mkdirSync(args.out, { recursive: true });
  writeFileSync(join(args.out, "meta.json"), `${JSON.stringify(result, null, 2)}\n`);
  console.log(`on/off throughput ratio: median ${(ratio.median * 100).toFixed(2)}% (min ${(ratio.min * 100).toFixed(2)}%, max ${(ratio.max * 100).toFixed(2)}%, ${args.pairs} pairs of ${formatDuration(args.round)}); cost ${result.costPercent}%`);
  console.log(`on/off service CPU per answered request: median ${(cpuRatio.median * 100).toFixed(2)}% (min ${(cpuRatio.min * 100).toFixed(2)}%, max ${(cpuRatio.max * 100).toFixed(2)}%); cost ${result.cpuCostPercent}%`);
  console.log(`captures: ${files.length} files over ${minutes.length} minute(s); history --at ${at}: exit ${hist.exitCode}`);
  console.log(join(args.out, "meta.json"));
} catch (e) {
  kill();
  fail((e as Error).message, 1);
}
kill();
