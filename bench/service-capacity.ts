/**
 * Usage: bun bench/service-capacity.ts [--variant v0] [--mix thin] [--index DIR] [--against echo] [--layers pipeline,app]
 *                                      [--audit local [--audit-delay 1ms]]
 *                                      [--duration 10s] [--repeat 3] [--connections 32] [--out DIR]
 *
 * Closed-loop capacity of the service with wrk: the server pinned to CPU 0,
 * wrk to CPU 1, `--repeat` runs of `--duration` each against one server
 * process, reporting the median requests/s and the spread, with a meta.json
 * that says how it was measured. This is the "pegged" figure (wrk keeps
 * --connections requests outstanding); latency under a fixed arrival rate is
 * the load harness's job (bun run load).
 *
 * `--variant a,b` measures several variants the same way, rotating the order
 * of all sides every repeat, so a rung and its parent are compared in one run.
 * A variant named twice (`--variant a,a`) is the control: two identical
 * sides, whose paired ratio shows the spread the harness alone gives.
 *
 * `--against echo` also starts the runtime's ceiling (bench/servers/echo.ts:
 * Elysia parsing the body and echoing its events), pinned the same way, and
 * alternates the two run by run, so both are measured under the same
 * conditions; it reports the ratio per pair and its median. Before any wrk
 * run, each server answers the corpus's first bodies and must say exactly
 * what v0 says in-process (an echo: the body's events), or the run stops
 * (bench/capacity/answers.ts): wrk counts answers, not whether they are right.
 *
 * `--layers pipeline,app` also starts the service taken apart
 * (bench/servers/layers.ts, with the first --variant): its pipeline behind
 * Elysia's own parse, and the hot-path app without the request tracking. Each
 * answers the probes with the service's bytes and is alternated with the rest,
 * so echo → pipeline → app → service says what each layer costs, in one run.
 *
 * `--audit local` starts a redis-server for the run, pinned with the load
 * generator (the downstream is not on the server's core), and passes
 * `--audit` to every variant that writes the audit log (the io-* rungs; the
 * others run without it), each into its own stream; `--audit redis://H:P`
 * uses a Redis already running. meta.json records each stream's length.
 * `--audit-delay 1ms` puts that Redis behind scripts/latency-proxy.ts: one
 * network hop away (each chunk delayed 1 ms each way) instead of loopback.
 * `--server-env NAME=VALUE[,…]` sets environment variables for every service
 * started (not the ceilings), e.g. a runtime setting such as
 * MIMALLOC_PURGE_DELAY; meta.json records them.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cli, fail } from "../src/cli/args.ts";
import { formatDuration } from "../src/cli/duration.ts";
import { ensureDefaultIndex } from "../src/service/default-index.ts";
import { PROJECT_ROOT } from "../src/root.ts";
import { collectMeta, HostSpan, maxShare, paired, pinning, sharesText, stealWarning, summarize } from "../scripts/lib/meta.ts";
import { spawnService } from "../scripts/lib/spawn-service.ts";
import { RedisClient } from "bun";
import { type RunningRedis, startRedis } from "../scripts/lib/redis-server.ts";
import { getVariant } from "../src/enrich/registry.ts";
import { writesAudit } from "../src/enrich/variant.ts";
import { checkAnswers, type Probe, probeBodies, v0Answers } from "./capacity/answers.ts";
import { parseWrk, wrkCommand } from "./wrk/run.ts";
import { LAYERS_NOTE, type Layer, indexImplOf, layerCommand, layerSide, parseLayers } from "./capacity/layers.ts";

const args = cli(process.argv.slice(2), "Usage: bun bench/service-capacity.ts [options]\n\nClosed-loop capacity (wrk) of one pinned service process.", {
  variant: { kind: "string", help: "service variant, or several separated by commas (each its own pinned process, all alternated run by run)", default: "v0" },
  mix: { kind: "string", help: "request corpus", default: "thin", choices: ["thin", "default", "fat"] },
  index: { kind: "string", help: "index directory (default: data/default)" },
  duration: { kind: "duration", help: "length of each wrk run", default: "10s" },
  warmup: { kind: "duration", help: "discarded wrk run before measuring", default: "3s" },
  repeat: { kind: "number", help: "measured runs", default: 3 },
  connections: { kind: "number", help: "wrk connections", default: 32 },
  out: { kind: "string", help: "directory for meta.json and the wrk outputs" },
  audit: { kind: "string", help: "'local' (start a redis-server pinned with the load) or redis://HOST:PORT: --audit for the variants that write the audit log" },
  "server-args": { kind: "string", help: "more flags for every service started, as one string (e.g. '--max-inflight-events 1000000': slow IO rungs would otherwise be shed by admission control)", default: "" },
  "server-env": { kind: "string", help: "environment for every service started (ours, not the ceilings), as NAME=VALUE[,NAME=VALUE…] (e.g. MIMALLOC_PURGE_DELAY=-1)", default: "" },
  "audit-delay": { kind: "duration", help: "with --audit local: Redis behind scripts/latency-proxy.ts, this one-way delay per chunk (0 = loopback)", default: "0ms" },
  rt: { kind: "boolean", help: "run every server and wrk at SCHED_FIFO 30 (root; for a machine shared with other work, where CPU shares are per cgroup and nice does not help); recorded in meta.json" },
  "max-steal": { kind: "number", help: "re-run a round during which the host stole more than this share of a CPU (1 = keep every round); each run's steal is in meta.json either way", default: 1 },
  retries: { kind: "number", help: "re-runs of a round over --max-steal; the last attempt is kept, flagged", default: 2 },
  against: { kind: "string", help: "also measure a ceiling, alternating run by run: the Elysia echo, or Go's net/http echo (needs go)", choices: ["echo", "go-echo"] },
  layers: { kind: "string", help: "also measure the service taken apart (bench/servers/layers.ts), with the first --variant: pipeline, app (comma-separated)", default: "" },
});

if (!Bun.spawnSync(["sh", "-c", "command -v wrk"]).success) fail("wrk is not installed (apt-get install -y wrk)");
const index = args.index ?? ensureDefaultIndex();
const corpus = join(index, `${args.mix}.ndjson`);
const pin = pinning();
const meta = collectMeta();
const variants = args.variant.split(",").map((v) => v.trim()).filter(Boolean);
if (variants.length === 0) fail("--variant needs at least one variant name", 2);
// A variant named twice is its own control (A against A: how far apart the harness puts two identical sides); the second side is "NAME#2".
const sideNames = variants.map((v, i) => {
  const k = variants.slice(0, i).filter((u) => u === v).length;
  return k === 0 ? v : `${v}#${k + 1}`;
});
if (args.audit !== undefined && new Set(variants).size < variants.length) fail("--audit: each variant once (a repeated side would share its audit stream)", 2);
const CEILINGS: Record<string, () => string[]> = {
  echo: () => [process.execPath, join(PROJECT_ROOT, "bench/servers/echo.ts")],
  "go-echo": () => {
    // Built once outside the tree (never committed); `go run` would time its own compile into the start-up.
    if (!Bun.which("go")) fail("--against go-echo needs go (apt-get install -y golang-go)");
    const bin = join(tmpdir(), "enrich-echo-go");
    const r = Bun.spawnSync(["go", "build", "-o", bin, join(PROJECT_ROOT, "bench/servers/echo-go/main.go")], { stdout: "pipe", stderr: "pipe", env: { ...process.env, GOFLAGS: "-mod=mod", GO111MODULE: "off" } });
    if (!r.success) fail(`go build of the echo failed: ${r.stderr.toString()}`);
    return [bin];
  },
};
const ceilingName = args.against ?? null;
let layers: Layer[] = [];
try {
  layers = parseLayers(args.layers);
} catch (e) {
  fail((e as Error).message, 2);
}
if (args.audit !== undefined && args.audit !== "local" && !args.audit.startsWith("redis://")) fail(`--audit: expected 'local' or redis://HOST:PORT, got '${args.audit}'`);
for (const v of variants) if (args.audit && !writesAudit(getVariant(v))) process.stderr.write(`capacity: ${v} does not write the audit log: started without --audit\n`);
let redis: RunningRedis | null = null;
const auditBase = () => (args.audit === "local" ? redis!.url : args.audit!.replace(/\/+$/, ""));
const streamOf = (v: string) => `capacity:${v}`;
const serverArgs = args["server-args"].split(/\s+/).filter(Boolean);
const serverEnv: Record<string, string> = {};
for (const kv of args["server-env"].split(",").filter(Boolean)) {
  const eq = kv.indexOf("=");
  if (eq <= 0) fail(`--server-env: expected NAME=VALUE, got '${kv}'`);
  serverEnv[kv.slice(0, eq)] = kv.slice(eq + 1);
}

interface Side {
  name: string;
  url: string;
  adminUrl?: string;
  kill(): void;
  runs: { cmd: string; rps: number; p50?: string; p99?: string; text: string; hostSteal: Record<string, number> }[];
}
const sides: Side[] = [];
/** Runs of rounds re-run because the host stole over --max-steal of a CPU: kept here, never in the figures. */
const notCounted: { round: number; attempt: number; side: string; rps: number; hostSteal: Record<string, number> }[] = [];
const cleanup = () => (sides.forEach((s) => s.kill()), void redis?.stop());
process.on("SIGINT", () => (cleanup(), process.exit(130)));

/** The probes each side must answer right before wrk's count means anything: v0's in-process bytes for variants, the events for a ceiling. */
async function probesFor(): Promise<{ variant: Probe[]; ceiling: Probe[] }> {
  const bodies = probeBodies(readFileSync(corpus, "utf8"));
  const reference = await v0Answers(index, bodies);
  return { variant: bodies.map((body, i) => ({ body, expect: { bytes: reference[i]! } })), ceiling: bodies.map((body) => ({ body, expect: "echo" as const })) };
}

/** One wrk run; its answers must all be 2xx unless it is a discarded warm-up (whose errors are reported, not fatal). */
// With --rt, servers start under SCHED_FIFO 30 (on a busy machine one at the default priority may not even get ready), and so does wrk.
const RT = (): string[] => (args.rt ? ["chrt", "-f", "30"] : []);

function wrk(ms: number, url: string, warmup = false) {
  const cmd = wrkCommand({ prefix: [...pin.load, ...RT()], connections: args.connections, seconds: ms / 1000, latency: true, url, corpus });
  const span = new HostSpan();
  const r = Bun.spawnSync(cmd, { cwd: PROJECT_ROOT, stdout: "pipe", stderr: "pipe" });
  // Steal comes in bursts and lands in the rate as if it were the side's: per run, so a round the host took shows.
  const hostSteal = span.steal();
  const text = r.stdout.toString();
  const out = parseWrk(text);
  if (!r.success || !out) throw new Error(`wrk failed: ${r.stderr.toString() || text}`);
  if (out.non2xx && warmup) process.stderr.write(`capacity: warm-up of ${url}: ${out.non2xx} non-2xx answers (discarded run)\n`);
  else if (out.non2xx) throw new Error(`the service answered ${out.non2xx} requests with errors; not a capacity figure:\n${text}`);
  return { cmd: cmd.join(" "), rps: out.rps, p50: out.p50, p99: out.p99, text, hostSteal };
}

/** Entries counted and deleted after each run, per variant: a run writes millions, and Redis keeps them in memory. */
const streamTotals: Record<string, number> = {};
let reader: RedisClient | null = null;
async function trimStream(v: string): Promise<void> {
  if (!args.audit || !variants.includes(v) || !writesAudit(getVariant(v))) return;
  if (!reader) {
    reader = new RedisClient(redis?.directUrl ?? auditBase(), { autoReconnect: false });
    await reader.connect();
  }
  // XLEN then DEL in one MULTI would be exact; entries a batched writer adds in between land in the next count.
  const n = Number(await reader.send("XLEN", [streamOf(v)]));
  await reader.send("DEL", [streamOf(v)]);
  streamTotals[v] = (streamTotals[v] ?? 0) + n;
}

/** Where the audit went and how much of it: each writing variant's stream entries over its measured runs (after its warm-up). */
async function auditSummary() {
  const c = new RedisClient(redis?.directUrl ?? auditBase(), { autoReconnect: false });
  await c.connect();
  const streams: Record<string, number> = {};
  for (const v of variants) if (writesAudit(getVariant(v))) streams[v] = (streamTotals[v] ?? 0) + Number(await c.send("XLEN", [streamOf(v)]));
  // The service's own counts (since start, warm-up included): an audit that kept up has dropped nothing.
  const counts: Record<string, Record<string, number>> = {};
  for (const side of sides) {
    if (!side.adminUrl || !variants.includes(side.name) || !writesAudit(getVariant(side.name))) continue;
    const text = await (await fetch(`${side.adminUrl}/metrics`)).text();
    const m: Record<string, number> = {};
    for (const line of text.split("\n")) {
      const hit = /^enrich_audit_(\w+?)(?:\{reason="(\w+)"[^}]*\}|\{[^}]*\})? (\S+)$/.exec(line);
      if (hit) m[hit[2] ? `${hit[1]}_${hit[2]}` : hit[1]!] = Number(hit[3]);
    }
    counts[side.name] = m;
  }
  const version = /redis_version:(\S+)/.exec(String(await c.send("INFO", ["server"])))?.[1] ?? null;
  c.close();
  return { redis: args.audit === "local" ? `redis-server ${version}, started for the run (${pin.load.join(" ") || "not pinned"}), no persistence${redis!.delayMs > 0 ? `, behind scripts/latency-proxy.ts with ${redis!.delayMs} ms each way` : ", on loopback"}` : `${auditBase()} (redis ${version})`, oneWayDelayMs: redis?.delayMs ?? null, streamEntries: streams, serviceCounts: counts };
}

try {
  if (args["audit-delay"] > 0 && args.audit !== "local") fail("--audit-delay needs --audit local (the proxy goes in front of the Redis it starts)");
  if (args.audit === "local") redis = await startRedis({ prefix: pin.load, delayMs: args["audit-delay"] });
  for (const [i, v] of variants.entries()) {
    const audit = args.audit && writesAudit(getVariant(v)) ? ["--audit", `${auditBase()}/${streamOf(v)}`] : [];
    const s = await spawnService(["--index", index, "--variant", v, ...audit, ...serverArgs], { prefix: [...pin.server, ...RT()], env: serverEnv });
    sides.push({ name: sideNames[i]!, url: s.url, adminUrl: s.adminUrl, kill: () => s.proc.kill("SIGKILL"), runs: [] });
  }
  for (const l of layers) {
    const s = await spawnService([], { prefix: [...pin.server, ...RT()], command: layerCommand(l, variants[0]!, index, indexImplOf(serverArgs)), env: serverEnv });
    sides.push({ name: layerSide(l), url: s.url, kill: () => s.proc.kill("SIGKILL"), runs: [] });
  }
  if (ceilingName) {
    const s = await spawnService([], { prefix: [...pin.server, ...RT()], command: CEILINGS[ceilingName]!() });
    sides.push({ name: ceilingName, url: s.url, kill: () => s.proc.kill("SIGKILL"), runs: [] });
  }
  const probes = await probesFor();
  for (const side of sides) await checkAnswers(side.url, side.name, side.name === ceilingName ? probes.ceiling : probes.variant);
  process.stderr.write(`capacity: warmup ${formatDuration(args.warmup)} each\n`);
  for (const side of sides) {
    wrk(args.warmup, side.url, true);
    await trimStream(side.name);
    streamTotals[side.name] = 0;
  }
  for (let i = 0; i < args.repeat; i++) {
    // Rotate which goes first, so a drift in the machine does not favour one side.
    const order = sides.map((_, j) => sides[(i + j) % sides.length]!);
    for (let attempt = 1; ; attempt++) {
      const round: [Side, ReturnType<typeof wrk>][] = [];
      for (const side of order) {
        const r = wrk(args.duration, side.url);
        await trimStream(side.name);
        process.stderr.write(`capacity: run ${i + 1}/${args.repeat}${attempt > 1 ? ` (attempt ${attempt})` : ""} ${side.name}: ${r.rps.toFixed(0)} req/s (wrk p50 ${r.p50}, p99 ${r.p99}; host steal ${sharesText(r.hostSteal)})\n`);
        round.push([side, r]);
      }
      // A round is paired as a whole: one side's run the host took spoils the round's ratios.
      const steal = Math.max(...round.map(([, r]) => maxShare(r.hostSteal)));
      if (steal <= args["max-steal"] || attempt > args.retries) {
        if (steal > args["max-steal"]) process.stderr.write(`capacity: round ${i + 1} kept after ${attempt} attempts with host steal ${(steal * 100).toFixed(1)}% (over --max-steal)\n`);
        for (const [side, r] of round) side.runs.push(r);
        break;
      }
      process.stderr.write(`capacity: round ${i + 1}: host steal ${(steal * 100).toFixed(1)}% of a CPU is over --max-steal ${args["max-steal"]}: not counted, run again\n`);
      notCounted.push(...round.map(([side, r]) => ({ round: i + 1, attempt, side: side.name, rps: r.rps, hostSteal: r.hostSteal })));
    }
  }
  const ceilingSide = ceilingName ? sides[sides.length - 1]! : null;
  const strip = (runs: Side["runs"]) => runs.map(({ cmd, rps, p50, p99, hostSteal }) => ({ cmd, rps, p50, p99, hostSteal }));
  const rates = (side: Side) => side.runs.map((r) => r.rps);
  const perVariant = sides.filter((s) => s !== ceilingSide).map((side, k) => ({
    variant: side.name,
    requestsPerSecond: summarize(rates(side)),
    runs: strip(side.runs),
    ratioToCeiling: ceilingSide ? paired(rates(ceilingSide), rates(side)) : null,
    // Every later side against the first: a rung against its parent is --variant PARENT,CHILD.
    ratioToFirst: k > 0 ? { of: sides[0]!.name, ...paired(rates(sides[0]!), rates(side)) } : null,
  }));
  const ceilingResult = ceilingSide ? { name: ceilingName === "go-echo" ? "go-echo (bench/servers/echo-go/main.go)" : "echo (bench/servers/echo.ts)", requestsPerSecond: summarize(ceilingSide.runs.map((r) => r.rps)), runs: strip(ceilingSide.runs) } : null;
  // One variant keeps the original flat shape (variant, requestsPerSecond, against.ratio) that older evidence uses.
  const first = perVariant[0]!;
  const result = {
    variant: first.variant,
    variants: perVariant,
    mix: args.mix,
    index,
    connections: args.connections,
    serverArgs,
    serverEnv,
    layers: layers.length ? { of: variants[0], what: LAYERS_NOTE } : null,
    durationMs: args.duration,
    pinning: pin.note,
    scheduling: args.rt ? "servers and wrk at SCHED_FIFO 30 (chrt)" : "default",
    requestsPerSecond: first.requestsPerSecond,
    runs: first.runs,
    against: ceilingResult ? { ...ceilingResult, ratio: first.ratioToCeiling } : null,
    audit: args.audit ? await auditSummary() : null,
    maxSteal: args["max-steal"],
    notCounted,
    meta,
  };
  for (const v of perVariant) {
    const s = v.requestsPerSecond;
    const pct = (r: ReturnType<typeof paired>) => `median ${(r.median * 100).toFixed(1)}% (${(r.min * 100).toFixed(1)}–${(r.max * 100).toFixed(1)}%)`;
    const ratio = v.ratioToCeiling ? `; / ${ceilingName}, paired: ${pct(v.ratioToCeiling)}` : "";
    const f = v.ratioToFirst;
    const vsFirst = f ? `; / ${f.of}, paired: ${pct(f)}, ahead in ${f.aheadIn} of ${f.n}` : "";
    console.log(`${v.variant} ${args.mix}: median ${s.median.toFixed(0)} req/s (min ${s.min.toFixed(0)}, max ${s.max.toFixed(0)}, n=${s.n})${ratio}${vsFirst}`);
  }
  if (ceilingResult) console.log(`${ceilingName} ${args.mix}: median ${ceilingResult.requestsPerSecond.median.toFixed(0)} req/s (min ${ceilingResult.requestsPerSecond.min.toFixed(0)}, max ${ceilingResult.requestsPerSecond.max.toFixed(0)}); ${pin.note}`);
  if (args.out) {
    mkdirSync(args.out, { recursive: true });
    writeFileSync(join(args.out, "meta.json"), JSON.stringify(result, null, 2) + "\n");
    const steal = stealWarning(meta);
    if (steal) console.error(steal);
    for (const side of sides) side.runs.forEach((r, i) => writeFileSync(join(args.out!, `wrk-${side === ceilingSide ? "echo" : side.name}-${i + 1}.txt`), r.text));
    console.log(args.out);
  }
} catch (e) {
  cleanup();
  fail((e as Error).message, 1);
}
cleanup();
