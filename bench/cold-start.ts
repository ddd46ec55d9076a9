/**
 * Usage: bun bench/cold-start.ts --variant V[,V…] [--rps 10000] [--duration 5s] [--repeat 3] [--warmups 0,2000] [--rt] [--out DIR]
 *
 * What the first seconds of traffic do to a freshly started service: for
 * each variant and each `--warmup-batches` setting, `--repeat` times, a new
 * service process (pinned to CPU 0) is offered `--rps` at once, open model,
 * by the load harness (pinned to CPU 1), with no warm-up of its own, and the
 * run reports how many requests admission control shed as `loop_stall`
 * (from the service's /metrics), the 200s and the corrected p99. The
 * (variant, setting) pairs rotate from one repeat to the next. Writes
 * DIR/meta.json (FINDINGS.md §25: a cold byte-writing variant starts a
 * shedding spiral at a fraction of its capacity; the warm-up prevents it).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cli, fail } from "../src/cli/args.ts";
import { SERVICE_DEFAULTS } from "../src/config.ts";
import { variantNames } from "../src/enrich/registry.ts";
import { PROJECT_ROOT } from "../src/root.ts";
import { ensureDefaultIndex } from "../src/service/default-index.ts";
import { collectMeta, pinning, summarize } from "../scripts/lib/meta.ts";
import { spawnService } from "../scripts/lib/spawn-service.ts";

const args = cli(process.argv.slice(2), "Usage: bun bench/cold-start.ts --variant V[,V…] [options]\n\nA fresh service offered a high rate at once: loop-stall sheds, 200s and p99, with and without the start-up warm-up.", {
  variant: { kind: "string", help: "variants, comma-separated", default: SERVICE_DEFAULTS.variant },
  warmups: { kind: "string", help: "--warmup-batches settings, comma-separated", default: `0,${SERVICE_DEFAULTS.warmupBatches}` },
  mix: { kind: "string", help: "request corpus", default: "thin", choices: ["thin", "default", "fat"] },
  index: { kind: "string", help: "index directory (default: data/default)" },
  rps: { kind: "number", help: "offered rate from the first request", default: 10_000 },
  duration: { kind: "duration", help: "length of each run", default: "5s" },
  repeat: { kind: "number", help: "runs per (variant, setting)", default: 3 },
  rt: { kind: "boolean", help: "run the service at SCHED_FIFO 30 (root), as find-max --rt does" },
  out: { kind: "string", help: "directory for meta.json", default: "profiles/cold-start/latest" },
});
const variants = args.variant.split(",").filter(Boolean);
for (const v of variants) if (!variantNames().includes(v)) fail(`unknown variant '${v}'`);
const warmups = args.warmups.split(",").map(Number);
if (warmups.some((w) => !Number.isInteger(w) || w < 0)) fail(`--warmups: expected integers ≥ 0, got ${args.warmups}`);
const index = args.index ?? ensureDefaultIndex();
const pin = pinning();
const meta = collectMeta();

interface Run {
  variant: string;
  warmupBatches: number;
  readyMs: number;
  loopStallShed: number;
  ok: number;
  scheduled: number;
  correctedP99Ms: number;
  generatorValid: boolean;
}
const runs: Run[] = [];
const pairs = variants.flatMap((variant) => warmups.map((w) => ({ variant, w })));

async function once(variant: string, w: number): Promise<Run> {
  const server = await spawnService(["--index", index, "--variant", variant, "--warmup-batches", String(w)], { prefix: [...pin.server, ...(args.rt ? ["chrt", "-f", "30"] : [])] });
  try {
    const load = Bun.spawnSync([...pin.load, process.execPath, "src/load/cli.ts", "--url", `${server.url}/enrich`, "--corpus", join(index, `${args.mix}.ndjson`), "--rps", String(args.rps), "--duration", `${args.duration}ms`, "--warmup", "0s", "--json"], { cwd: PROJECT_ROOT, stdout: "pipe", stderr: "pipe" });
    if (!load.success) throw new Error(`the load harness failed: ${load.stderr.toString().slice(-500)}`);
    const r = JSON.parse(load.stdout.toString()) as { counts: { ok: number; scheduled: number }; latency: { corrected: { p99: number } }; validity: { valid: boolean } };
    const metrics = await (await fetch(`${server.adminUrl}/metrics`)).text();
    const shed = Number(/^enrich_http_shed_total\{reason="loop_stall"[^}]*\} (\S+)$/m.exec(metrics)?.[1] ?? NaN);
    return { variant, warmupBatches: w, readyMs: server.readyMs, loopStallShed: shed, ok: r.counts.ok, scheduled: r.counts.scheduled, correctedP99Ms: r.latency.corrected.p99, generatorValid: r.validity.valid };
  } finally {
    await server.stop();
  }
}

for (let i = 0; i < args.repeat; i++) {
  for (let j = 0; j < pairs.length; j++) {
    const { variant, w } = pairs[(i + j) % pairs.length]!;
    const run = await once(variant, w);
    runs.push(run);
    process.stderr.write(`cold-start: ${i + 1}/${args.repeat} ${variant} --warmup-batches ${w}: ${run.loopStallShed} shed as loop_stall, ${run.ok} of ${run.scheduled} answered 200, corrected p99 ${run.correctedP99Ms.toFixed(1)} ms, ready ${run.readyMs.toFixed(0)} ms${run.generatorValid ? "" : " (generator INVALID)"}\n`);
  }
}
const table = pairs.map(({ variant, w }) => {
  const mine = runs.filter((r) => r.variant === variant && r.warmupBatches === w);
  return { variant, warmupBatches: w, loopStallShed: summarize(mine.map((r) => r.loopStallShed)), okShare: summarize(mine.map((r) => r.ok / r.scheduled)), correctedP99Ms: summarize(mine.map((r) => r.correctedP99Ms)), readyMs: summarize(mine.map((r) => r.readyMs)) };
});
for (const t of table) console.log(`${t.variant} --warmup-batches ${t.warmupBatches}: loop_stall sheds median ${t.loopStallShed.median} (${t.loopStallShed.min}–${t.loopStallShed.max}), 200s ${(t.okShare.median * 100).toFixed(1)}% of offered, p99 ${t.correctedP99Ms.median.toFixed(1)} ms, ready ${t.readyMs.median.toFixed(0)} ms (n=${t.loopStallShed.n})`);
mkdirSync(args.out, { recursive: true });
writeFileSync(join(args.out, "meta.json"), `${JSON.stringify({ what: `a fresh service offered ${args.rps}/s of ${args.mix} at once for ${args.duration} ms`, pinning: pin.note, scheduling: args.rt ? "service at SCHED_FIFO 30" : "default", index, table, runs, meta }, null, 2)}\n`);
console.log(join(args.out, "meta.json"));
