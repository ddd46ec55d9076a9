/**
 * Usage: bun bench/index-scale.ts --entries 50000000 [--dir DIR] [--keep] [--lookups 2000000] [--out DIR]
 *        bun bench/index-scale.ts --entries N --impl ts|native|both --keys zipf|uniform|both [--batch 1,16,100,1000] [--skip-service] [--wait-quiet 2m]
 *
 * The generator and index at scale, in one run:
 *   1. build: `bun run gen` for N entries (index + corpora), wall time and peak RSS
 *   2. ready: a fresh `bun src/server.ts` on the index, time from spawn until
 *      /healthz answers (and the server's own "ready N ms after process start")
 *   3. lookups: each --impl × --keys (Zipf s = 1.1 or uniform ranks, ~1% misses)
 *      × call shape (find per key, findBatch at each --batch size), interleaved
 *      for --rounds rounds, this process pinned to --cpu; every run's answers
 *      checked (bench/scale/lookups.ts)
 *   4. sharing: `--workers 2` after a burst of fat requests: each worker's RSS
 *      and PSS from /proc/PID/smaps_rollup (shared index pages count once in PSS)
 * Prints a summary and writes meta.json to --out. Numbers, not pass/fail —
 * except wrong answers: exit 1 if any lookup run disagreed.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cli, fail } from "../src/cli/args.ts";
import { INDEX_IMPLS, type Index, type IndexImpl } from "../src/index/contract.ts";
import { openIndex } from "../src/index/open-index.ts";
import { PROJECT_ROOT } from "../src/root.ts";
import { MISS_RATE, ZIPF_EXPONENT } from "../src/workload/corpus.ts";
import { collectMeta, hostBusyBetween, hostCpuTimes, pinSelf, waitQuiet } from "../scripts/lib/meta.ts";
import { drawKeys, measureLookups, type KeyDistribution, type Shape } from "./scale/lookups.ts";
import { spawnService } from "../scripts/lib/spawn-service.ts";

const args = cli(process.argv.slice(2), "Usage: bun bench/index-scale.ts --entries N [options]\n\nBuild time, peak RSS, time to ready and lookup throughput of an index of N entries.", {
  entries: { kind: "number", help: "index entries", default: 50_000_000 },
  seed: { kind: "number", help: "seed", default: 1 },
  dir: { kind: "string", help: "where to build the index (default: a temp dir, removed unless --keep)" },
  keep: { kind: "boolean", help: "keep the index after the run" },
  "skip-build": { kind: "boolean", help: "measure an index already in --dir" },
  lookups: { kind: "number", help: "keys per lookup run", default: 2_000_000 },
  rounds: { kind: "number", help: "measured lookup rounds (after one warm-up round)", default: 5 },
  impl: { kind: "string", help: "Index implementations to measure", choices: [...INDEX_IMPLS, "both"], default: "both" },
  keys: { kind: "string", help: "key distribution: Zipf s=1.1 (hot keys cache-resident) or uniform ranks (at 50M each lookup's ~2–3 dependent misses go to DRAM)", choices: ["zipf", "uniform", "both"], default: "both" },
  batch: { kind: "string", help: "findBatch sizes (comma-separated), besides find per key", default: "1,16,100,1000" },
  cpu: { kind: "number", help: "core the lookups run on (taskset; -1 = not pinned)", default: 1 },
  "wait-quiet": { kind: "duration", help: "before the lookups, wait up to this long until every host CPU is < 30% busy for 2 s (shared machines; 0 = no wait)", default: "0s" },
  "skip-service": { kind: "boolean", help: "skip the sections that start the service (ready, workers)" },
  out: { kind: "string", help: "directory for meta.json" },
});
const batches = args.batch.split(",").map(Number);
if (batches.some((b) => !Number.isInteger(b) || b < 1)) fail(`--batch: expected comma-separated positive integers, got '${args.batch}'`);
const impls: IndexImpl[] = args.impl === "both" ? [...INDEX_IMPLS] : [args.impl as IndexImpl];
const distributions: KeyDistribution[] = args.keys === "both" ? ["zipf", "uniform"] : [args.keys as KeyDistribution];

const dir = args.dir ?? join(tmpdir(), `enrich-scale-${args.entries}`);
const meta = collectMeta();
const say = (s: string) => process.stderr.write(`index-scale: ${s}\n`);
const result: Record<string, unknown> = { entries: args.entries, seed: args.seed, dir };

if (!args["skip-build"]) {
  rmSync(dir, { recursive: true, force: true });
  say(`building ${args.entries} entries into ${dir}`);
  const t0 = performance.now();
  const gen = Bun.spawnSync([process.execPath, "gen/cli.ts", "--entries", String(args.entries), "--seed", String(args.seed), "--out", dir], { cwd: PROJECT_ROOT, stdout: "inherit", stderr: "pipe" });
  const wallS = (performance.now() - t0) / 1000;
  const log = gen.stderr.toString();
  if (!gen.success) throw new Error(`gen failed:\n${log}`);
  // gen reports its own peak RSS (getrusage maxrss) on its last line.
  const peakMiB = Number(/peak RSS (\d+) MiB/.exec(log)?.[1]);
  result.build = { wallSeconds: wallS, peakRssMiB: peakMiB, targets: { wallSeconds: 120, peakRssMiB: 1536 } };
  say(`built in ${wallS.toFixed(1)} s, peak RSS ${peakMiB} MiB`);
}

// Time to ready: spawn → ready line → first /healthz answer, with the page cache as the build left it (warm).
if (!args["skip-service"]) {
  const svc = await spawnService(["--index", dir]);
  const t0 = performance.now();
  await fetch(`${svc.url}/healthz`).then((r) => r.arrayBuffer());
  const healthzMs = svc.readyMs + (performance.now() - t0);
  await svc.stop();
  const m = /opened in (\d+) ms, ready (\d+) ms after process start/.exec(svc.log());
  result.ready = { spawnToReadyLineMs: svc.readyMs, spawnToHealthzMs: healthzMs, indexOpenMs: Number(m?.[1]), serverReadyMs: Number(m?.[2]), pageCache: "warm (as left by the build)" };
  say(`ready: /healthz answered ${healthzMs.toFixed(0)} ms after spawn (index opened in ${m?.[1]} ms)`);
}

// Lookup throughput: every implementation, distribution and call shape, interleaved, answers checked.
let lookupsOk = true;
{
  const pinned = args.cpu >= 0 && pinSelf(["taskset", "-c", String(args.cpu)]);
  const indexes = new Map<IndexImpl, Index>();
  const openMs: Record<string, number> = {};
  for (const impl of impls) {
    const t0 = performance.now();
    try {
      indexes.set(impl, openIndex(dir, { impl, verify: "headers" }));
    } catch (e) {
      fail((e as Error).message, 1); // no compiler for native, or not an index: one clear line
    }
    const ix = indexes.get(impl)!;
    if (ix.entries !== args.entries || ix.seed !== args.seed) fail(`${dir} holds ${ix.entries} entries of seed ${ix.seed}, not --entries ${args.entries} --seed ${args.seed}`, 1);
    openMs[impl] = performance.now() - t0;
  }
  const keySets = distributions.map((d) => drawKeys(d, args.lookups, args.entries, args.seed));
  const quiet = args["wait-quiet"] > 0 ? await waitQuiet(args["wait-quiet"], say) : null;
  const shapes: Shape[] = [{ kind: "find" }, ...batches.map((batch) => ({ kind: "batch" as const, batch }))];
  say(`lookups: ${impls.join(", ")} × ${distributions.join(", ")} × ${shapes.length} call shapes, ${args.lookups} keys per run, ${args.rounds} rounds${pinned ? ` on CPU ${args.cpu}` : " (not pinned)"}`);
  const busyBefore = hostCpuTimes();
  const { rows, checks } = measureLookups(indexes, keySets, shapes, args.rounds, say);
  const hostBusy = hostBusyBetween(busyBefore, hostCpuTimes());
  lookupsOk = checks.ok;
  // Ratios of on-CPU rates (the lookups' own cost; wall-clock where schedstat is missing).
  const median = (impl: IndexImpl, keys: KeyDistribution, shape: string) => {
    const row = rows.find((r) => r.impl === impl && r.keys === keys && r.shape === shape);
    return (row?.lookupsPerCpuSecond ?? row?.lookupsPerSecond)?.median;
  };
  const ratios = impls.includes("native") && impls.includes("ts")
    ? Object.fromEntries(distributions.map((d) => [d, Object.fromEntries(shapes.map((sh) => {
        const name = sh.kind === "find" ? "find" : `batch-${sh.batch}`;
        return [name, median("native", d, name)! / median("ts", d, name)!];
      }))]))
    : null;
  result.lookups = {
    keysPerRun: args.lookups,
    rounds: args.rounds,
    distributions: Object.fromEntries(keySets.map((k) => [k.distribution, { drawn: k.distribution === "zipf" ? `Zipf s=${ZIPF_EXPONENT} over ranks` : "uniform over ranks", misses: `~${MISS_RATE * 100}% (ranks ≥ N)`, hits: k.hits }])),
    shapes: "find = Index.find per key; batch-B = Index.findBatch on consecutive slices of B keys (views made before the clock starts; B = 1 copies the key into a one-slot buffer)",
    rates: "lookupsPerCpuSecond: keys / this thread's time on a CPU (schedstat field 1) — the lookup's own cost, what the ratios use; lookupsPerSecond: keys / wall time, descheduling on a shared core included (offCpuShare)",
    pinning: pinned ? `this process on CPU ${args.cpu} (taskset -a -cp)` : "not pinned",
    hostBusy,
    quietWait: quiet,
    openMs,
    verify: "headers (the files were just built or read: page cache warm)",
    rows,
    nativeOverTs: ratios,
    checks,
  };
  const m = (x: { median: number; min: number; max: number } | null) => (x ? `${(x.median / 1e6).toFixed(2).padStart(7)} (${(x.min / 1e6).toFixed(2)}–${(x.max / 1e6).toFixed(2)})` : "      –");
  const table = rows.map((r) => `  ${r.keys.padEnd(8)} ${r.impl.padEnd(7)} ${r.shape.padEnd(11)} ${m(r.lookupsPerCpuSecond).padEnd(22)} ${m(r.lookupsPerSecond).padEnd(22)} ${r.nsPerLookup.toFixed(1).padStart(6)} ns  ${r.offCpuShare === null ? "" : `${(r.offCpuShare * 100).toFixed(0)}% off CPU`}`);
  say(`lookups, M/s, median (min–max) of ${args.rounds} rounds:\n  keys     impl    shape       per on-CPU second      per wall second        CPU/lookup\n${table.join("\n")}`);
  if (ratios) say(`native / ts (medians): ${JSON.stringify(ratios, (_, v) => (typeof v === "number" ? Math.round(v * 100) / 100 : v))}`);
  if (!checks.ok) say(`WRONG ANSWERS:\n  ${checks.failures.join("\n  ")}`);
  for (const index of indexes.values()) index.close();
}

// Memory sharing across workers: both map the same files, so the page cache holds one copy.
if (!args["skip-service"]) {
  const svc = await spawnService(["--index", dir, "--workers", "2"]);
  await svc.waitForLog(/enrich\[1\]: serving/);
  const bodies = (await Bun.file(join(dir, "fat.ndjson")).text()).trimEnd().split("\n");
  const pids = new Set<number>();
  const headers = { "content-type": "application/json", connection: "close" };
  for (let i = 0; i < 200; i++) {
    await (await fetch(`${svc.url}/enrich`, { method: "POST", headers, body: bodies[i % bodies.length] })).arrayBuffer();
    pids.add(((await (await fetch(`${svc.url}/healthz`, { headers })).json()) as { pid: number }).pid);
  }
  const workers = [...pids].map((pid) => {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(rollup)?.[1]);
    return { pid, rssMiB: kib("Rss") / 1024, pssMiB: kib("Pss") / 1024, sharedMiB: (kib("Shared_Clean") + kib("Shared_Dirty")) / 1024 };
  });
  await svc.stop();
  result.workers = { requests: 200, mix: "fat", processes: workers };
  say(`workers: ${workers.map((w) => `pid ${w.pid} RSS ${w.rssMiB.toFixed(0)} MiB, PSS ${w.pssMiB.toFixed(0)} MiB, shared ${w.sharedMiB.toFixed(0)} MiB`).join("; ")}`);
}

const summary = { ...result, meta };
console.log(JSON.stringify(summary, null, 2));
if (args.out) {
  mkdirSync(args.out, { recursive: true });
  writeFileSync(join(args.out, "meta.json"), JSON.stringify(summary, null, 2) + "\n");
}
if (!args.dir && !args.keep) rmSync(dir, { recursive: true, force: true });
if (!lookupsOk) process.exit(1);
