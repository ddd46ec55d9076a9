/**
 * Usage: bun scripts/profile.ts --rps R --duration D --mix thin|default|fat [--variant V] [--index DIR] [--out DIR]
 *        bun scripts/profile.ts --url http://HOST:PORT --admin-url http://127.0.0.1:6060 --rps R --duration D --mix M --index DIR
 *        bun scripts/profile.ts top|list|peek|doctor|table|report BUNDLE|FILE [args]   (FILE: pprof, .cpuprofile, heap snapshot)
 *        bun scripts/profile.ts diff A B [--out FILE]
 *        bun scripts/profile.ts convert IN.cpuprofile|IN.heapsnapshot [--out OUT.pb.gz]
 *        bun scripts/profile.ts perf --pid P --seconds N [--jitdump-dir DIR] --out FILE.pprof
 *        bun scripts/profile.ts calibrate [--profilers admin,admin+block,perf,bun] [--hog]
 *        bun scripts/profile.ts history DIR (--at HH:MM | --from T --to T) [--diff-range T..T | --commit A --diff-commit B]
 *
 * Captures a profile bundle under load (docs/contract.md "Profile bundle") and reads
 * bundles back. The capture prints a short summary and the bundle's path as
 * its last line. Exit codes: 0 ok, 3 bundle written but the load was not held,
 * 1 cannot run, 2 bad flag. Details: docs/profile.md.
 */
import { cli, fail } from "../src/cli/args.ts";
import { formatDuration } from "../src/cli/duration.ts";
import { variantNames } from "../src/enrich/registry.ts";
import { startRedis } from "./lib/redis-server.ts";
import { type CaptureOptions } from "./profile/bundle.ts";
import { capture } from "./profile/capture.ts";
import { INDEX_IMPLS, type IndexImpl } from "../src/index/contract.ts";
import { runAnalysis, ANALYSIS_COMMANDS } from "./profile/analysis-cli.ts";
import { runCalibrateCli } from "./profile/calibrate/cli.ts";
import { runPerfCli } from "./profile/perf/cli.ts";
import { runHistoryCli } from "./profile/history/cli.ts";
import { summaryText } from "./profile/summary.ts";
import { CAPTURE_DEFAULTS } from "../src/config.ts";

const USAGE = `Usage: bun scripts/profile.ts --rps R --duration D --mix thin|default|fat [--variant V] [--index DIR] [--out DIR]
       bun scripts/profile.ts --url URL [--admin-url URL] [--server-pid PID] --rps R --duration D --mix M --index DIR
       bun scripts/profile.ts top|list|peek|doctor|table|report BUNDLE|FILE [args]   (--help after the command for its flags)
       bun scripts/profile.ts diff A B [--out FILE]
       bun scripts/profile.ts convert IN [--out OUT]   (bun --cpu-prof / --heap-prof files to pprof)
       bun scripts/profile.ts perf --pid P --seconds N [--jitdump-dir DIR] --out FILE.pprof   (perf_events profile of any Bun process)
       bun scripts/profile.ts calibrate [--profilers LIST] [--hog]   (score the CPU profilers against known costs)
       bun scripts/profile.ts history DIR (--at HH:MM | --from T --to T) [--diff-range T..T]   (merge a --continuous-profile directory's captures)

Starts the service (pinned to CPU 0, GC log on) or targets a running one
(--url), drives open-model load (pinned to CPU 1) at --rps, waits until the
rate holds, then captures in one window of --duration: CPU profile, block and
mutex profiles (rates on only for the window), a trace, the latency
histogram, the GC log and a /metrics scrape; heap right after. Writes
profiles/<UTC>-<variant>-<mix>-<rps>/ with meta.json and report.html and prints
its path last. Never profiles at idle: a window that did not hold the rate is
marked in meta.json and the exit code is 3.`;

const SPECS = {
  rps: { kind: "number", help: "offered arrival rate, requests/s" },
  duration: { kind: "duration", help: "capture window (all profiles share it)", default: "10s" },
  mix: { kind: "string", help: "request mix (corpus <index>/<mix>.ndjson)", choices: ["thin", "default", "fat"], default: "thin" },
  variant: { kind: "string", help: "pipeline variant the service runs", default: CAPTURE_DEFAULTS.variant },
  "index-impl": { kind: "string", help: "Index implementation the started service runs (its --index-impl)", choices: INDEX_IMPLS, default: "ts" },
  index: { kind: "string", help: "index directory (default data/default, built on first use)" },
  corpus: { kind: "string", help: "request corpus instead of <index>/<mix>.ndjson" },
  out: { kind: "string", help: "where bundles go", default: CAPTURE_DEFAULTS.out },
  name: { kind: "string", help: "bundle directory name (default <UTC>-<variant>-<mix>-<rps>)" },
  url: { kind: "string", help: "target a running service (its hot-path base URL) instead of starting one" },
  "admin-url": { kind: "string", help: "with --url: the service's admin base URL", default: "http://127.0.0.1:6060" },
  "server-pid": { kind: "number", help: "with --url: the service's pid, for /proc CPU readings" },
  warmup: { kind: "duration", help: "load before any check (samples discarded)", default: formatDuration(CAPTURE_DEFAULTS.warmupMs) },
  settle: { kind: "duration", help: "after warmup, how long to wait at most for the rate to hold", default: formatDuration(CAPTURE_DEFAULTS.settleMs) },
  trace: { kind: "duration", help: "trace length: the window's last T seconds", default: formatDuration(CAPTURE_DEFAULTS.traceMs) },
  hz: { kind: "number", help: "CPU sampling rate", default: CAPTURE_DEFAULTS.hz },
  "block-rate": { kind: "number", help: "block profile: record loop stalls ≥ N ms during the window", default: CAPTURE_DEFAULTS.blockRateMs },
  "mutex-fraction": { kind: "number", help: "mutex profile: 1 in N contentions with a stack during the window", default: CAPTURE_DEFAULTS.mutexFraction },
  connections: { kind: "number", help: "load generator keep-alive connections", default: CAPTURE_DEFAULTS.connections },
  arrivals: { kind: "string", help: "arrival process", choices: ["constant", "poisson"], default: CAPTURE_DEFAULTS.arrivals },
  transport: { kind: "string", help: "load generator transport: raw keep-alive sockets or Bun fetch", choices: ["raw", "fetch"], default: CAPTURE_DEFAULTS.transport },
  timeout: { kind: "duration", help: "request timeout, from its intended start", default: formatDuration(CAPTURE_DEFAULTS.timeoutMs) },
  "heap-snapshot": { kind: "boolean", help: "also save a V8 heap snapshot (heap.heapsnapshot; large, never committed)" },
  "no-perf": { kind: "boolean", help: "no perf.pprof: start the service without the JSC jitdump and do not run perf record" },
  "no-pin": { kind: "boolean", help: "do not pin the server and the load generator to different cores" },
  "server-cpu": { kind: "number", help: "core for the service when pinning", default: CAPTURE_DEFAULTS.serverCpu },
  "load-cpu": { kind: "number", help: "core for the load generator (this process) when pinning", default: CAPTURE_DEFAULTS.loadCpu },
  "wait-quiet": { kind: "duration", help: "first wait up to this long until every host CPU is < 30% busy for 2 s (shared machines; 0 = no wait)", default: "0s" },
  quiet: { kind: "boolean", help: "no progress on stderr" },
  audit: { kind: "string", help: "start the service with --audit: 'local' starts a redis-server for the capture, pinned with the load; or redis://HOST:PORT[/STREAM]" },
  "server-args": { kind: "string", help: "more flags for the started service, as one string (--server-args='--max-inflight 64')", default: "" },
  "audit-delay": { kind: "duration", help: "with --audit local: Redis behind scripts/latency-proxy.ts, this one-way delay per chunk (0 = loopback)", default: "0ms" },
} as const;

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const sub = argv[0];
  if (sub && (ANALYSIS_COMMANDS as readonly string[]).includes(sub)) return runAnalysis(sub, argv.slice(1));
  if (sub === "perf") return runPerfCli(argv.slice(1));
  if (sub === "calibrate") return runCalibrateCli(argv.slice(1));
  if (sub === "history") return runHistoryCli(argv.slice(1));
  if (sub && !sub.startsWith("-")) fail(`unknown command '${sub}' (expected a flag or one of ${[...ANALYSIS_COMMANDS, "perf", "calibrate", "history"].join(", ")})`);

  const f = cli(argv, USAGE, SPECS);
  if (f.rps === undefined) fail("--rps is required: profile under load, never at idle");
  if (!(f.rps > 0)) fail(`--rps: expected a positive rate, got ${f.rps}`);
  if (!(f.duration >= 1000)) fail(`--duration: expected at least 1s, got ${formatDuration(f.duration)}`);
  if (!f.url && !variantNames().includes(f.variant)) fail(`--variant: expected one of ${variantNames().join(", ")}, got '${f.variant}'`);
  if (f.url && !f.index && !f.corpus) fail("--url needs --index DIR (for the corpus and meta.json) or --corpus FILE");
  for (const k of ["hz", "connections", "block-rate", "mutex-fraction"] as const) {
    if (!(f[k] >= 0) || !Number.isInteger(f[k])) fail(`--${k}: expected a whole number ≥ 0, got ${f[k]}`);
  }
  const o: CaptureOptions = {
    rps: f.rps,
    durationMs: f.duration,
    mix: f.mix as CaptureOptions["mix"],
    variant: f.variant,
    indexImpl: f["index-impl"] as IndexImpl,
    index: f.index,
    corpus: f.corpus,
    out: f.out,
    name: f.name,
    url: f.url,
    adminUrl: f.url ? f["admin-url"] : undefined,
    serverPid: f["server-pid"],
    warmupMs: f.warmup,
    settleMs: f.settle,
    checkWindows: CAPTURE_DEFAULTS.checkWindows,
    traceMs: f.trace,
    armMs: CAPTURE_DEFAULTS.armMs,
    hz: f.hz,
    blockRateMs: f["block-rate"],
    mutexFraction: f["mutex-fraction"],
    connections: f.connections,
    arrivals: f.arrivals as CaptureOptions["arrivals"],
    transport: f.transport as CaptureOptions["transport"],
    timeoutMs: f.timeout,
    heapSnapshot: f["heap-snapshot"],
    perf: !f["no-perf"],
    pin: !f["no-pin"],
    serverCpu: f["server-cpu"],
    loadCpu: f["load-cpu"],
    waitQuietMs: f["wait-quiet"],
  };
  if (o.pin && o.serverCpu === o.loadCpu) fail("--server-cpu and --load-cpu must differ (or pass --no-pin)");
  if (f.audit !== undefined && f.url) fail("--audit starts the service with it: not with --url (start that service with --audit yourself)");
  if (f.audit !== undefined && f.audit !== "local" && !f.audit.startsWith("redis://")) fail(`--audit: expected 'local' or redis://HOST:PORT[/STREAM], got '${f.audit}'`);
  // The downstream goes on the load generator's core, off the server's: like another machine, it is not the service's CPU.
  if (f["audit-delay"] > 0 && f.audit !== "local") fail("--audit-delay needs --audit local (the proxy goes in front of the Redis it starts)");
  const redis = f.audit === "local" ? await startRedis({ prefix: o.pin ? ["taskset", "-c", String(o.loadCpu)] : [], delayMs: f["audit-delay"] }) : null;
  o.serverArgs = [...(f.audit !== undefined ? ["--audit", redis ? `${redis.url}/profile:${o.variant}` : f.audit] : []), ...f["server-args"].split(/\s+/).filter(Boolean)];
  if (f["server-args"] && f.url) fail("--server-args is for the service the capture starts: not with --url");
  const say = f.quiet ? () => {} : (line: string) => process.stderr.write(`profile: ${line}\n`);
  const { dir, meta } = await capture(o, say).finally(() => redis?.stop());
  process.stdout.write((await summaryText(dir)) + "\n");
  process.stdout.write(`${dir}\n`);
  return meta.load.held ? 0 : 3;
}

main().then(
  (code) => process.exit(code),
  (e) => fail((e as Error).message, 1),
);
