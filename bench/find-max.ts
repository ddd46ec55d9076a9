/**
 * Usage: bun bench/find-max.ts --variant V [--mix thin] [--p99 100ms] [--rps START] [--duration 10s] [--against echo] [--out DIR]
 *        bun bench/find-max.ts --variant V --baseline v0 [--baseline-rps START] [--pairs 3] ...
 *
 * The SLO table's "sustained rate before p99 > 100 ms": one service process
 * pinned to CPU 0, `bun run load --find-max` pinned to CPU 1, stepping the
 * open-model rate until the corrected p99 passes --p99 or a step is not a
 * valid measurement. Writes the load tool's JSON, its rate plot and a
 * meta.json that says how it was measured. When the generator, not the
 * server, is what stopped the climb, the result says so (`limitedBy`), and
 * the figure is a floor for the server, not its limit.
 *
 * `--against echo` climbs the Elysia echo (bench/servers/echo.ts) the same
 * way right after, in the same run: the highest rate the runtime itself holds
 * on this host is the ceiling any variant's figure is read against.
 *
 * `--baseline B --pairs N` measures the ratio instead (the SLO table's "≥ 40×
 * v0's"): N pairs, each climbing B and V one right after the other (the order
 * alternating pair by pair, so a drifting host favours neither), and reports
 * the median of the N ratios of highest passing rates with their range. Both
 * sides move with the host (FINDINGS.md §43, §46), so only a same-session
 * pair says anything about the ratio.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cli, fail } from "../src/cli/args.ts";
import { LOAD_DEFAULTS } from "../src/config.ts";
import { ensureDefaultIndex } from "../src/service/default-index.ts";
import { PROJECT_ROOT } from "../src/root.ts";
import { collectMeta, pinning, stealWarning, summarize } from "../scripts/lib/meta.ts";
import { type RunningService, spawnService } from "../scripts/lib/spawn-service.ts";

const args = cli(process.argv.slice(2), "Usage: bun bench/find-max.ts --variant V [options]\n\nThe highest open-model rate a pinned service holds with corrected p99 under --p99 (bun run load --find-max).", {
  variant: { kind: "string", help: "service variant", default: "v0" },
  mix: { kind: "string", help: "request corpus", default: "thin", choices: ["thin", "default", "fat"] },
  index: { kind: "string", help: "index directory (default: data/default)" },
  p99: { kind: "duration", help: "pass threshold for the corrected p99", default: "100ms" },
  rps: { kind: "number", help: "first step's rate (default: the load tool's)" },
  "max-rps": { kind: "number", help: "never offer more than this" },
  duration: { kind: "duration", help: "measured period per step", default: "10s" },
  retries: { kind: "number", help: "re-run an INVALID or STOLEN step up to N times", default: 1 },
  "max-steal": { kind: "number", help: "a step that fails while the host steals more than this share of a CPU in some second is STOLEN: no verdict, re-run (bun run load --max-steal; 1 = off)", default: LOAD_DEFAULTS.findMaxMaxSteal },
  out: { kind: "string", help: "directory for meta.json, the load JSON and the plot" },
  rt: { kind: "boolean", help: "run the service at SCHED_FIFO 30 (root; for a machine shared with other work; never the load generator, which busy-polls); recorded in meta.json" },
  against: { kind: "string", help: "also climb the Elysia echo (bench/servers/echo.ts) the same way, right after: the runtime's ceiling on this host", choices: ["echo"] },
  "server-args": { kind: "string", help: "more flags for the service, space-separated (e.g. admission bounds); recorded in meta.json", default: "" },
  baseline: { kind: "string", help: "climb this variant too, in pairs with --variant, and report the ratio of their highest rates" },
  "baseline-rps": { kind: "number", help: "first step's rate for --baseline (default: the load tool's)" },
  pairs: { kind: "number", help: "with --baseline: how many pairs", default: 3 },
});

const index = args.index ?? ensureDefaultIndex();
const pin = pinning();
const meta = collectMeta();
const serverArgs = args["server-args"].split(/\s+/).filter(Boolean);
const out = args.out ?? join(PROJECT_ROOT, "profiles/find-max", `${args.variant}-${args.mix}`);
mkdirSync(out, { recursive: true });

/** Starts one side pinned to the server's CPU (under --rt at SCHED_FIFO 30, threads included). */
async function start(command?: string[], variant = args.variant): Promise<RunningService> {
  // Under --rt the service starts at SCHED_FIFO (a busy machine could otherwise keep it from getting ready).
  const prefix = [...pin.server, ...(args.rt ? ["chrt", "-f", "30"] : [])];
  const server = command ? await spawnService([], { prefix, command }) : await spawnService(["--index", index, "--variant", variant, ...serverArgs], { prefix });
  if (args.rt) {
    const r = Bun.spawnSync(["chrt", "-a", "-f", "-p", "30", String(server.proc.pid)], { stdout: "pipe", stderr: "pipe" });
    if (!r.success) (server.proc.kill("SIGKILL"), fail(`--rt: chrt failed: ${r.stderr.toString()}`, 1));
  }
  return server;
}

/** One climb against `server`: the load tool's JSON result and the command that produced it. */
function climb(server: RunningService, plot: string, rps = args.rps): { result: { maxRps?: number | null; limitedBy?: string }; cmd: string; exitCode: number } {
  const cmd = [
    ...pin.load,
    process.execPath,
    "src/load/cli.ts",
    "--url",
    `${server.url}/enrich`,
    "--corpus",
    join(index, `${args.mix}.ndjson`),
    "--find-max",
    "--p99",
    `${args.p99}ms`,
    "--duration",
    `${args.duration}ms`,
    "--retries",
    String(args.retries),
    "--max-steal",
    String(args["max-steal"]),
    "--json",
    "--plot",
    plot,
    ...(rps ? ["--rps", String(rps)] : []),
    ...(args["max-rps"] ? ["--max-rps", String(args["max-rps"])] : []),
  ];
  const shown = cmd.join(" ").replace(process.execPath, "bun");
  process.stderr.write(`find-max: $ ${shown}\n`);
  const r = Bun.spawnSync(cmd, { cwd: PROJECT_ROOT, stdout: "pipe", stderr: "inherit" });
  const text = r.stdout.toString();
  try {
    return { result: JSON.parse(text), cmd: shown, exitCode: r.exitCode };
  } catch {
    throw new Error(`the load tool did not answer JSON (exit ${r.exitCode}):\n${text.slice(0, 2000)}`);
  }
}

let running: RunningService | null = null;
process.on("SIGINT", () => (running?.proc.kill("SIGKILL"), process.exit(130)));

type Climb = ReturnType<typeof climb>;

/** One climb on a fresh process from `starting`, its JSON and plot written as `name`.json and .svg. */
async function climbOn(starting: Promise<RunningService>, name: string, rps = args.rps): Promise<Climb> {
  running = await starting;
  const c = climb(running, join(out, `${name}.svg`), rps);
  running.proc.kill("SIGKILL");
  running = null;
  writeFileSync(join(out, `${name}.json`), JSON.stringify(c.result, null, 2) + "\n");
  return c;
}

const shared = { mix: args.mix, index, p99Ms: args.p99, serverArgs, pinning: pin.note, scheduling: args.rt ? "service at SCHED_FIFO 30 (chrt); load generator default" : "default" };
const figure = (r: Climb["result"]) => ({ maxRps: r.maxRps ?? null, limitedBy: r.limitedBy });

/** --baseline: N pairs, the order alternating, and the median ratio of their highest rates. */
async function pairsRun(baseline: string): Promise<void> {
  if (!(Number.isInteger(args.pairs) && args.pairs >= 1)) fail(`--pairs: expected an integer ≥ 1, got ${args.pairs}`);
  const pairs: { order: string[]; baseline: ReturnType<typeof figure>; variant: ReturnType<typeof figure>; ratio: number | null }[] = [];
  for (let i = 1; i <= args.pairs; i++) {
    const sides = {
      baseline: () => climbOn(start(undefined, baseline), `pair-${i}-baseline-${baseline}`, args["baseline-rps"]),
      variant: () => climbOn(start(), `pair-${i}-variant-${args.variant}`),
    };
    const order = i % 2 === 1 ? (["baseline", "variant"] as const) : (["variant", "baseline"] as const);
    const got: Partial<Record<keyof typeof sides, Climb["result"]>> = {};
    for (const which of order) got[which] = (await sides[which]()).result;
    const b = figure(got.baseline!), v = figure(got.variant!);
    const ratio = b.maxRps && v.maxRps ? v.maxRps / b.maxRps : null;
    pairs.push({ order: order.map((w) => (w === "baseline" ? baseline : args.variant)), baseline: b, variant: v, ratio });
    console.error(`find-max: pair ${i}/${args.pairs}: ${baseline} ${b.maxRps ?? "none"} req/s (${b.limitedBy}), ${args.variant} ${v.maxRps ?? "none"} req/s (${v.limitedBy}): ${ratio ? ratio.toFixed(1) + "×" : "no ratio"}`);
  }
  const ratios = pairs.map((p) => p.ratio).filter((r): r is number => r !== null);
  const ratio = ratios.length ? summarize(ratios) : null;
  writeFileSync(join(out, "meta.json"), JSON.stringify({ variant: args.variant, baseline, ...shared, pairs, ratio, meta }, null, 2) + "\n");
  const each = pairs.map((p) => (p.ratio ? `${p.ratio.toFixed(1)}×` : "none")).join(", ");
  console.log(`${args.variant} / ${baseline}, ${args.mix}, highest rate with p99 < ${args.p99} ms: ${ratio ? `median ${ratio.median.toFixed(1)}× (${ratio.min.toFixed(1)}–${ratio.max.toFixed(1)}×)` : "no ratio"} over ${pairs.length} same-session pairs (${each}); ${pin.note}`);
}

/** One climb of --variant (and of the echo with --against echo). */
async function singleRun(): Promise<void> {
  const mine = await climbOn(start(), "find-max");
  const theirs = args.against === "echo" ? await climbOn(start([process.execPath, join(PROJECT_ROOT, "bench/servers/echo.ts")]), "find-max-echo") : null;
  const ceiling = theirs && { name: "echo (bench/servers/echo.ts)", result: figure(theirs.result), loadCommand: theirs.cmd, exitCode: theirs.exitCode };
  writeFileSync(join(out, "meta.json"), JSON.stringify({ variant: args.variant, ...shared, loadCommand: mine.cmd, exitCode: mine.exitCode, ceiling, meta }, null, 2) + "\n");
  const line = (name: string, r: { maxRps?: number | null; limitedBy?: string }) => `${name} ${args.mix}: highest rate with p99 < ${args.p99} ms: ${r.maxRps ?? "none"} req/s (stopped by ${r.limitedBy ?? "?"})`;
  console.log(`${line(args.variant, mine.result)}; ${pin.note}`);
  if (ceiling) {
    console.log(line("echo", ceiling.result));
    if (mine.result.maxRps && ceiling.result.maxRps) console.log(`${args.variant} holds ${((100 * mine.result.maxRps) / ceiling.result.maxRps).toFixed(1)}% of the echo's rate`);
  }
}

try {
  await (args.baseline ? pairsRun(args.baseline) : singleRun());
  const steal = stealWarning(meta);
  if (steal) console.error(steal);
  console.log(out);
} catch (e) {
  (running as RunningService | null)?.proc.kill("SIGKILL");
  fail((e as Error).message, 1);
}
