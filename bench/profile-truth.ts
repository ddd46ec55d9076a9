/**
 * Usage: bun bench/profile-truth.ts [--variant v0] [--mix thin] [--rps 600] [--seconds 10]
 *                                   [--rounds 2] [--block-rate 5] [--out DIR]
 *
 * Does the service's CPU profile add up to CPU time, and does it agree with
 * perf? The service pinned to CPU 0, open-model load from this process on
 * CPU 1; for each condition — a quiet core or a CPU hog sharing the server's
 * core, block and mutex profiling off or on — `--rounds` windows in
 * interleaved order, each capturing at once:
 *
 *   - /debug/pprof/profile at 100 Hz (the admin CPU profile, cpu.pprof in bundles)
 *   - perf record of the JS thread (where perf works), JIT frames from the jitdump
 *   - the JS thread's schedstat, read from outside, before and after
 *
 * and reports the admin profile's CPU total over the schedstat on-CPU time
 * (the issue's bar: 0.9–1.1), the run-queue wait beside it, and the widest
 * frames by both profilers — `stat` and its path (lookupUnderIndexLock +
 * checkIndexGeneration, compared as the doctor compares profiles) named
 * explicitly. Writes meta.json and each
 * window's two profiles to --out.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cli, fail } from "../src/cli/args.ts";
import { startLoad } from "../src/load/index.ts";
import { ensureDefaultIndex } from "../src/service/default-index.ts";
import { collectMeta, pinning, pinSelf, summarize } from "../scripts/lib/meta.ts";
import { spawnService } from "../scripts/lib/spawn-service.ts";
import { jitDumpEnv, perfUsable, recordPerf } from "../scripts/profile/perf/record.ts";
import { decodePprof, type FlatProfile, flatten } from "../src/admin/pprof.ts";
import { total } from "../scripts/profile/pprof.ts";
import { type CpuReading, readCpu } from "../scripts/profile/proc-stat.ts";
import { topRows } from "../scripts/profile/top.ts";
import { cpuNative, jsShares, perfNative } from "../scripts/profile/cross-check.ts";

const args = cli(process.argv.slice(2), "Usage: bun bench/profile-truth.ts [options]\n\nThe admin CPU profile's total against the JS thread's on-CPU time, and its widest frames against perf's, on a quiet and on a shared core.", {
  variant: { kind: "string", help: "service variant", default: "v0" },
  mix: { kind: "string", help: "request corpus", default: "thin", choices: ["thin", "default", "fat"] },
  index: { kind: "string", help: "index directory (default: data/default)" },
  rps: { kind: "number", help: "offered requests/s on a quiet core (half of it with the hog, which halves the core)", default: 600 },
  seconds: { kind: "number", help: "each window", default: 10 },
  rounds: { kind: "number", help: "windows per condition (interleaved)", default: 2 },
  "block-rate": { kind: "number", help: "block profiling threshold (ms) in the block-on windows", default: 5 },
  out: { kind: "string", help: "directory for meta.json and the profiles" },
});

const pin = pinning(0, 1);
if (!pin.server.length) fail(`needs two CPUs and taskset: ${pin.note}`);
const index = args.index ?? ensureDefaultIndex();
const corpus = join(index, `${args.mix}.ndjson`);
const perf = await perfUsable();
const jitdumpDir = mkdtempSync(join(tmpdir(), "enrich-truth-jit-"));
const meta = collectMeta();
pinSelf(pin.load);

interface Window {
  condition: string;
  hog: boolean;
  block: boolean;
  round: number;
  rps: number;
  onCpuMs: number;
  runQueueMs: number;
  adminCpuMs: number;
  ratio: number;
  perfCpuMs: number | null;
  perfSchedstatMs: number | null;
  widest: { jsc: Row[]; perf: Row[] };
  /** The profiler's own threads' on-CPU time over the window (ms), by thread name: JSC's sampler ("thread"), the run clock ("Worker"). */
  profilerThreadsMs: Record<string, number>;
  stat: { jscFlat: number };
  /** The lock-and-stat path (lookupUnderIndexLock + checkIndexGeneration) by JS function, native code and inlined callees folded in, as the doctor compares them (cross-check.ts). */
  statPath: { jsc: number; perf: number | null };
}
interface Row {
  name: string;
  flat: number;
  cum: number;
}

/** The profiler's own threads' on-CPU ms between two readings, by name: JSC's sampler ("thread"), the run clock ("Worker"). */
function helperThreadsMs(a: CpuReading, b: CpuReading): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [tid, t] of Object.entries(b.threads)) {
    if (t.name !== "thread" && t.name !== "Worker") continue;
    out[t.name] = (out[t.name] ?? 0) + t.onCpuMs - (a.threads[tid]?.onCpuMs ?? 0);
  }
  return out;
}

const widest = (p: FlatProfile, n = 6): Row[] => topRows(p, p.sampleTypes.findIndex((t) => t.type === "cpu"), "flat").slice(0, n).map((r) => ({ name: r.name, flat: r.flatShare, cum: r.cumShare }));
const statFlat = (p: FlatProfile) => topRows(p, p.sampleTypes.findIndex((t) => t.type === "cpu")).find((x) => x.name === "stat")?.flatShare ?? 0;

/**
 * The stat path's share in both profiles, compared the way the doctor does: each sample charged to its
 * innermost JS function both profiles know (the JIT may inline checkIndexGeneration, which perf then
 * cannot see), native code folded in.
 */
function statPath(jsc: FlatProfile, perf: FlatProfile | null): Window["statPath"] {
  const path = (m: Map<string, number>) => (m.get("checkIndexGeneration") ?? 0) + (m.get("lookupUnderIndexLock") ?? 0);
  if (!perf) return { jsc: path(jsShares(jsc, cpuNative(new Set()))), perf: null };
  const perfNames = new Set(perf.samples.flatMap((s) => s.stack.map((f) => f.name)));
  return { jsc: path(jsShares(jsc, cpuNative(perfNames))), perf: path(jsShares(perf, perfNative)) };
}

const server = await spawnService(["--index", index, "--variant", args.variant], { prefix: pin.server, env: perf.ok ? jitDumpEnv(jitdumpDir) : {} });
const pid = server.proc.pid;
const conditions = [
  { condition: "quiet, block off", hog: false, block: false },
  { condition: "quiet, block on", hog: false, block: true },
  { condition: "hog, block off", hog: true, block: false },
  { condition: "hog, block on", hog: true, block: true },
];
const order = Array.from({ length: args.rounds }, (_, r) => conditions.map((c) => ({ ...c, round: r + 1 }))).flat();
const windows: Window[] = [];
const cleanup = () => {
  server.proc.kill("SIGKILL");
  rmSync(jitdumpDir, { recursive: true, force: true });
};
process.on("SIGINT", () => (cleanup(), process.exit(130)));

try {
  if (args.out) mkdirSync(args.out, { recursive: true });
  for (const c of order) {
    const rps = c.hog ? args.rps / 2 : args.rps;
    process.stderr.write(`truth: ${c.condition}, round ${c.round}: ${rps} req/s for ${args.seconds} s\n`);
    const hog = c.hog ? Bun.spawn([...pin.server, process.execPath, "-e", `const end = Date.now() + ${(args.seconds + 10) * 1000}; let x = 0; while (Date.now() < end) x++;`], { stdout: "ignore", stderr: "ignore" }) : null;
    const load = startLoad({ url: `${server.url}/enrich`, corpus, rps, durationMs: (args.seconds + 8) * 1000, warmupMs: 0 });
    try {
      await Bun.sleep(3000); // the rate and the JIT settle before the window
      if (c.block) await fetch(`${server.adminUrl}/debug/pprof/rates?block=${args["block-rate"]}&mutex=1`, { method: "POST" });
      const perfRun = perf.ok ? recordPerf({ pid, jitdumpDir, seconds: args.seconds }) : null;
      const res0 = fetch(`${server.adminUrl}/debug/pprof/profile?seconds=${args.seconds}&hz=100`);
      const a = readCpu(pid);
      // The run clock starts with the capture: read the helpers once it is surely up, and again just before the end.
      await Bun.sleep(500);
      const ha = readCpu(pid);
      await Bun.sleep(args.seconds * 1000 - 1000);
      const hb = readCpu(pid);
      const res = await res0;
      const b = readCpu(pid);
      if (!res.ok) throw new Error(`admin profile: ${res.status} ${await res.text()}`);
      const bytes = new Uint8Array(await res.arrayBuffer());
      const perfResult = perfRun ? await perfRun : null;
      if (c.block) await fetch(`${server.adminUrl}/debug/pprof/rates?block=0&mutex=0`, { method: "POST" });
      const jsc = flatten(decodePprof(bytes));
      const pp = perfResult ? flatten(decodePprof(perfResult.bytes)) : null;
      const onCpuMs = b.threadMs - a.threadMs;
      const adminCpuMs = total(jsc, jsc.sampleTypes.findIndex((t) => t.type === "cpu")) / 1e6;
      const w: Window = {
        ...c,
        rps,
        onCpuMs,
        runQueueMs: b.threadRunqMs - a.threadRunqMs,
        adminCpuMs,
        ratio: adminCpuMs / onCpuMs,
        perfCpuMs: pp ? total(pp, pp.sampleTypes.findIndex((t) => t.type === "cpu")) / 1e6 : null,
        perfSchedstatMs: perfResult?.schedstatNs ? perfResult.schedstatNs / 1e6 : null,
        widest: { jsc: widest(jsc), perf: pp ? widest(pp) : [] },
        profilerThreadsMs: Object.fromEntries(Object.entries(helperThreadsMs(ha, hb)).map(([k, ms]) => [k, Math.round(ms * ((args.seconds * 1000) / (hb.t - ha.t)) * 10) / 10])),
        stat: { jscFlat: statFlat(jsc) },
        statPath: statPath(jsc, pp),
      };
      windows.push(w);
      const pct = (x: number | null) => (x === null ? "–" : `${(x * 100).toFixed(1)}%`);
      process.stderr.write(`truth:   profiler threads ${JSON.stringify(w.profilerThreadsMs)} ms over the ${args.seconds} s window\n`);
      process.stderr.write(`truth:   admin/on-CPU ${w.ratio.toFixed(3)} (${adminCpuMs.toFixed(0)}/${onCpuMs.toFixed(0)} ms, run-queue ${w.runQueueMs.toFixed(0)} ms); stat flat ${pct(w.stat.jscFlat)}; lock+stat path JSC ${pct(w.statPath.jsc)} perf ${pct(w.statPath.perf)}\n`);
      if (args.out) {
        const stem = `${c.condition.replace(/[ ,]+/g, "-")}-r${c.round}`;
        writeFileSync(join(args.out, `${stem}-cpu.pprof`), bytes);
        if (perfResult) writeFileSync(join(args.out, `${stem}-perf.pprof`), perfResult.bytes);
      }
    } finally {
      load.stop();
      await load.done.catch(() => {});
      hog?.kill();
    }
  }
  const byCondition = conditions.map((c) => {
    const ws = windows.filter((w) => w.condition === c.condition);
    return { condition: c.condition, ratio: summarize(ws.map((w) => w.ratio)), statFlat: summarize(ws.map((w) => w.stat.jscFlat)), statPath: { jsc: summarize(ws.map((w) => w.statPath.jsc)), perf: perf.ok ? summarize(ws.map((w) => w.statPath.perf!)) : null } };
  });
  for (const b of byCondition) console.log(`${b.condition.padEnd(18)} admin CPU / on-CPU ${b.ratio.median.toFixed(3)} (${b.ratio.min.toFixed(3)}–${b.ratio.max.toFixed(3)}, n=${b.ratio.n}); stat flat ${(b.statFlat.median * 100).toFixed(1)}%; lock+stat path JSC ${(b.statPath.jsc.median * 100).toFixed(1)}% perf ${b.statPath.perf ? `${(b.statPath.perf.median * 100).toFixed(1)}%` : "–"}`);
  if (args.out) {
    const result = { variant: args.variant, mix: args.mix, index, seconds: args.seconds, rounds: args.rounds, blockRateMs: args["block-rate"], pinning: `${pin.note}; the profiler's own threads on CPU 1 while a profile runs`, perf: perf.ok ? "perf record -e cpu-clock on the JS thread" : `not usable: ${perf.why}`, byCondition, windows, meta };
    writeFileSync(join(args.out, "meta.json"), JSON.stringify(result, null, 2) + "\n");
    console.log(args.out);
  }
} catch (e) {
  cleanup();
  fail((e as Error).message, 1);
}
cleanup();
