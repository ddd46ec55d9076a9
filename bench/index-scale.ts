/**
 * Usage: bun bench/index-scale.ts --entries 50000000 [--dir DIR] [--keep] [--lookups 2000000] [--out DIR]
 *
 * The generator and index at scale, in one run:
 *   1. build: `bun run gen` for N entries (index + corpora), wall time and peak RSS
 *   2. ready: a fresh `bun src/server.ts` on the index, time from spawn until
 *      /healthz answers (and the server's own "ready N ms after process start")
 *   3. lookups: pure-TS Index.find on Zipfian keys (s = 1.1, ~1% misses), 5 rounds
 *   4. sharing: `--workers 2` after a burst of fat requests: each worker's RSS
 *      and PSS from /proc/PID/smaps_rollup (shared index pages count once in PSS)
 * Prints a summary and writes meta.json to --out. Numbers, not pass/fail.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cli } from "../src/cli/args.ts";
import { KeySpace, keyHi, keyLo } from "../src/domain/keys.ts";
import { openTsIndex } from "../src/index/ts-index.ts";
import { PROJECT_ROOT } from "../src/service/default-index.ts";
import { Rng } from "../gen/rng.ts";
import { ZipfSampler } from "../gen/zipf.ts";
import { MISS_RATE, ZIPF_EXPONENT } from "../gen/corpus.ts";
import { collectMeta, summarize } from "../scripts/lib/meta.ts";
import { spawnService } from "../scripts/lib/spawn-service.ts";

const args = cli(process.argv.slice(2), "Usage: bun bench/index-scale.ts --entries N [options]\n\nBuild time, peak RSS, time to ready and lookup throughput of an index of N entries.", {
  entries: { kind: "number", help: "index entries", default: 50_000_000 },
  seed: { kind: "number", help: "seed", default: 1 },
  dir: { kind: "string", help: "where to build the index (default: a temp dir, removed unless --keep)" },
  keep: { kind: "boolean", help: "keep the index after the run" },
  "skip-build": { kind: "boolean", help: "measure an index already in --dir" },
  lookups: { kind: "number", help: "Zipfian keys per lookup round", default: 2_000_000 },
  rounds: { kind: "number", help: "lookup rounds", default: 5 },
  out: { kind: "string", help: "directory for meta.json" },
});

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
{
  const svc = await spawnService(["--index", dir]);
  const t0 = performance.now();
  await fetch(`${svc.url}/healthz`).then((r) => r.arrayBuffer());
  const healthzMs = svc.readyMs + (performance.now() - t0);
  await svc.stop();
  const m = /opened in (\d+) ms, ready (\d+) ms after process start/.exec(svc.log());
  result.ready = { spawnToReadyLineMs: svc.readyMs, spawnToHealthzMs: healthzMs, indexOpenMs: Number(m?.[1]), serverReadyMs: Number(m?.[2]), pageCache: "warm (as left by the build)" };
  say(`ready: /healthz answered ${healthzMs.toFixed(0)} ms after spawn (index opened in ${m?.[1]} ms)`);
}

// Lookup throughput on Zipfian keys.
{
  const index = openTsIndex(dir, { verify: "headers" });
  const ks = new KeySpace(args.seed);
  const zipf = new ZipfSampler(args.entries, ZIPF_EXPONENT);
  const rng = new Rng(99);
  const his = new Uint32Array(args.lookups), los = new Uint32Array(args.lookups);
  for (let i = 0; i < args.lookups; i++) {
    ks.keyOf(rng.next() < MISS_RATE ? args.entries + rng.int(2 ** 40) : zipf.sample(rng) - 1);
    his[i] = keyHi;
    los[i] = keyLo;
  }
  const rates: number[] = [];
  let found = 0;
  for (let r = 0; r < args.rounds + 1; r++) {
    found = 0;
    const t0 = Bun.nanoseconds();
    for (let i = 0; i < args.lookups; i++) if (index.find(his[i]!, los[i]!) >= 0) found++;
    const rate = args.lookups / ((Bun.nanoseconds() - t0) / 1e9);
    if (r > 0) rates.push(rate); // round 0 warms the JIT and the page cache
  }
  const s = summarize(rates);
  result.lookups = { implementation: "pure TS (TsIndex)", keys: args.lookups, distribution: `zipf s=${ZIPF_EXPONENT}, ~${MISS_RATE * 100}% misses`, hitRate: found / args.lookups, lookupsPerSecond: s };
  say(`lookups: median ${(s.median / 1e6).toFixed(2)} M/s (min ${(s.min / 1e6).toFixed(2)}, max ${(s.max / 1e6).toFixed(2)}, n=${s.n}), hit rate ${((found / args.lookups) * 100).toFixed(1)}%`);
  index.close();
}

// Memory sharing across workers: both map the same files, so the page cache holds one copy.
{
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
