/**
 * Usage: bun bench/service-capacity.ts [--variant v0] [--mix thin] [--index DIR] [--against echo]
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
 *
 * `--against echo` also starts the runtime's ceiling (bench/servers/echo.ts:
 * Elysia parsing the body and echoing its events), pinned the same way, and
 * alternates the two run by run, so both are measured under the same
 * conditions; it reports the ratio per pair and its median. Before any wrk
 * run, each server's answer to the corpus's first body is checked (200, one
 * result per event): wrk counts answers, not whether they are right.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cli, fail } from "../src/cli/args.ts";
import { formatDuration } from "../src/cli/duration.ts";
import { ensureDefaultIndex, PROJECT_ROOT } from "../src/service/default-index.ts";
import { collectMeta, pinning, summarize } from "../scripts/lib/meta.ts";
import { spawnService } from "../scripts/lib/spawn-service.ts";

const args = cli(process.argv.slice(2), "Usage: bun bench/service-capacity.ts [options]\n\nClosed-loop capacity (wrk) of one pinned service process.", {
  variant: { kind: "string", help: "service variant, or several separated by commas (each its own pinned process, all alternated run by run)", default: "v0" },
  mix: { kind: "string", help: "request corpus", default: "thin", choices: ["thin", "default", "fat"] },
  index: { kind: "string", help: "index directory (default: data/default)" },
  duration: { kind: "duration", help: "length of each wrk run", default: "10s" },
  warmup: { kind: "duration", help: "discarded wrk run before measuring", default: "3s" },
  repeat: { kind: "number", help: "measured runs", default: 3 },
  connections: { kind: "number", help: "wrk connections", default: 32 },
  out: { kind: "string", help: "directory for meta.json and the wrk outputs" },
  against: { kind: "string", help: "also measure a ceiling, alternating run by run: the Elysia echo, or Go's net/http echo (needs go)", choices: ["echo", "go-echo"] },
});

if (!Bun.spawnSync(["sh", "-c", "command -v wrk"]).success) fail("wrk is not installed (apt-get install -y wrk)");
const index = args.index ?? ensureDefaultIndex();
const corpus = join(index, `${args.mix}.ndjson`);
const pin = pinning();
const meta = collectMeta();
const variants = args.variant.split(",").map((v) => v.trim()).filter(Boolean);
if (variants.length === 0) fail("--variant needs at least one variant name", 2);
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

interface Side {
  name: string;
  url: string;
  kill(): void;
  runs: { cmd: string; rps: number; p50?: string; p99?: string; text: string }[];
}
const sides: Side[] = [];
const cleanup = () => sides.forEach((s) => s.kill());
process.on("SIGINT", () => (cleanup(), process.exit(130)));

/** The answer to the corpus's first body must be a 200 with one result per event, before wrk's count means anything. */
async function checkAnswers(url: string, name: string): Promise<void> {
  const body = readFileSync(corpus, "utf8").split("\n", 1)[0]!;
  const events = (JSON.parse(body) as { events: unknown[] }).events.length;
  const res = await fetch(`${url}/enrich`, { method: "POST", headers: { "content-type": "application/json" }, body });
  const text = await res.text();
  const results = res.ok ? (JSON.parse(text) as { results?: unknown[] }).results?.length : undefined;
  if (results !== events) throw new Error(`${name} answered ${res.status} with ${results ?? "no"} results for ${events} events; not measuring it:\n${text.slice(0, 300)}`);
}

/** One wrk run; its answers must all be 2xx unless it is a discarded warm-up (whose errors are reported, not fatal). */
function wrk(ms: number, url: string, warmup = false) {
  const cmd = [...pin.load, "wrk", "-t1", `-c${args.connections}`, `-d${Math.round(ms / 1000)}s`, "--latency", "-s", "bench/wrk/post-corpus.lua", url, "--", corpus];
  const r = Bun.spawnSync(cmd, { cwd: PROJECT_ROOT, stdout: "pipe", stderr: "pipe" });
  const text = r.stdout.toString();
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1]);
  if (!r.success || !Number.isFinite(rps)) throw new Error(`wrk failed: ${r.stderr.toString() || text}`);
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(text)?.[1];
  if (errors && warmup) process.stderr.write(`capacity: warm-up of ${url}: ${errors} non-2xx answers (discarded run)\n`);
  else if (errors) throw new Error(`the service answered ${errors} requests with errors; not a capacity figure:\n${text}`);
  return { cmd: cmd.join(" "), rps, p50: /50%\s+(\S+)/.exec(text)?.[1], p99: /99%\s+(\S+)/.exec(text)?.[1], text };
}

try {
  for (const v of variants) {
    const s = await spawnService(["--index", index, "--variant", v], { prefix: pin.server });
    sides.push({ name: v, url: s.url, kill: () => s.proc.kill("SIGKILL"), runs: [] });
  }
  if (ceilingName) {
    const s = await spawnService([], { prefix: pin.server, command: CEILINGS[ceilingName]!() });
    sides.push({ name: ceilingName, url: s.url, kill: () => s.proc.kill("SIGKILL"), runs: [] });
  }
  for (const side of sides) await checkAnswers(side.url, side.name);
  process.stderr.write(`capacity: warmup ${formatDuration(args.warmup)} each\n`);
  for (const side of sides) wrk(args.warmup, side.url, true);
  for (let i = 0; i < args.repeat; i++) {
    // Rotate which goes first, so a drift in the machine does not favour one side.
    const order = sides.map((_, j) => sides[(i + j) % sides.length]!);
    for (const side of order) {
      const r = wrk(args.duration, side.url);
      process.stderr.write(`capacity: run ${i + 1}/${args.repeat} ${side.name}: ${r.rps.toFixed(0)} req/s (wrk p50 ${r.p50}, p99 ${r.p99})\n`);
      side.runs.push(r);
    }
  }
  const ceilingSide = ceilingName ? sides[sides.length - 1]! : null;
  const strip = (runs: Side["runs"]) => runs.map(({ cmd, rps, p50, p99 }) => ({ cmd, rps, p50, p99 }));
  const perVariant = sides.filter((s) => s !== ceilingSide).map((side) => ({
    variant: side.name,
    requestsPerSecond: summarize(side.runs.map((r) => r.rps)),
    runs: strip(side.runs),
    ratioToCeiling: ceilingSide ? summarize(side.runs.map((r, i) => r.rps / ceilingSide.runs[i]!.rps)) : null,
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
    durationMs: args.duration,
    pinning: pin.note,
    requestsPerSecond: first.requestsPerSecond,
    runs: first.runs,
    against: ceilingResult ? { ...ceilingResult, ratio: first.ratioToCeiling } : null,
    meta,
  };
  for (const v of perVariant) {
    const s = v.requestsPerSecond;
    const ratio = v.ratioToCeiling ? `; / ${ceilingName}, paired: median ${(v.ratioToCeiling.median * 100).toFixed(1)}% (${(v.ratioToCeiling.min * 100).toFixed(1)}–${(v.ratioToCeiling.max * 100).toFixed(1)}%)` : "";
    console.log(`${v.variant} ${args.mix}: median ${s.median.toFixed(0)} req/s (min ${s.min.toFixed(0)}, max ${s.max.toFixed(0)}, n=${s.n})${ratio}`);
  }
  if (ceilingResult) console.log(`${ceilingName} ${args.mix}: median ${ceilingResult.requestsPerSecond.median.toFixed(0)} req/s (min ${ceilingResult.requestsPerSecond.min.toFixed(0)}, max ${ceilingResult.requestsPerSecond.max.toFixed(0)}); ${pin.note}`);
  if (args.out) {
    mkdirSync(args.out, { recursive: true });
    writeFileSync(join(args.out, "meta.json"), JSON.stringify(result, null, 2) + "\n");
    for (const side of sides) side.runs.forEach((r, i) => writeFileSync(join(args.out!, `wrk-${side === ceilingSide ? "echo" : side.name}-${i + 1}.txt`), r.text));
    console.log(args.out);
  }
} catch (e) {
  cleanup();
  fail((e as Error).message, 1);
}
cleanup();
