/**
 * The calibration run: the known-cost server under open-model load, each CPU
 * profiler the project offers captured over a window of it, and each scored
 * against the server's own truth (score.ts).
 *
 *   admin        /debug/pprof/profile at 100 Hz (the bundle's cpu.pprof)
 *   admin+block  the same with block and mutex profiling on (they share the sampler)
 *   perf         perf_events on the JS thread, JIT frames from the jitdump (where perf works)
 *   bun          `bun --cpu-prof`, read through our converter (whole-process profile)
 *
 * The server is pinned to one CPU when there are two (the load generator and
 * the profilers' helper threads run on the other), and --hog puts a busy
 * process on the server's CPU: the case where samplers count run-queue time.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLoad } from "../../../src/load/index.ts";
import { pinSelfWhile, pinning } from "../../lib/meta.ts";
import { spawnService, type RunningService } from "../../lib/spawn-service.ts";
import { readAnyProfile } from "../profile-file.ts";
import { jitDumpEnv, perfUsable, recordPerf } from "../perf/record.ts";
import { decodePprof, type FlatProfile, flatten } from "../../../src/admin/pprof.ts";
import { encodeProfile } from "../pprof.ts";
import { score, type Score, type Truth } from "./score.ts";
import { CALIBRATE_DEFAULTS } from "../../../src/config.ts";

export const KNOWN_COST_SERVER = join(import.meta.dir, "known-cost-server.ts");
export const PROFILERS = ["admin", "admin+block", "perf", "bun"] as const;
export type Profiler = (typeof PROFILERS)[number];

export interface CalibrateOptions {
  profilers: readonly Profiler[];
  rps: number;
  seconds: number;
  hog: boolean;
  /** Pin the server to CPU 0 (default when there are two CPUs). */
  pin: boolean;
  /** Keep each profile here as <profiler>.pprof (the CLI's --out). */
  out?: string;
  say?: (line: string) => void;
}

export interface CalibrateResult {
  scores: Score[];
  skipped: { profiler: Profiler; why: string }[];
  pinning: string;
  hog: boolean;
}

async function truthOf(s: RunningService): Promise<Truth> {
  return (await (await fetch(`${s.url}/truth`)).json()) as Truth;
}

/** A CPU hog on the server's CPU for `ms` (bounded by itself, and killed at the end). */
function startHog(prefix: string[], ms: number) {
  return Bun.spawn([...prefix, process.execPath, "-e", `const end = Date.now() + ${ms}; let x = 0; while (Date.now() < end) x++;`], { stdout: "ignore", stderr: "ignore" });
}

/** One server, load on it, then `run` with it; everything is stopped afterwards. */
async function withLoadedServer<T>(o: CalibrateOptions, extra: { env?: Record<string, string>; bunFlags?: string[] }, totalSeconds: number, run: (s: RunningService) => Promise<T>): Promise<T> {
  const pins = o.pin ? pinning(0, 1) : { server: [], load: [], note: "not pinned" };
  const server = await spawnService([], { prefix: pins.server, command: [process.execPath, ...(extra.bunFlags ?? []), KNOWN_COST_SERVER], env: extra.env });
  const corpusDir = mkdtempSync(join(tmpdir(), "enrich-calibrate-"));
  const corpus = join(corpusDir, "body.ndjson");
  writeFileSync(corpus, `${JSON.stringify({ events: [] })}\n`);
  const hog = o.hog ? startHog(pins.server, (totalSeconds + 10) * 1000) : null;
  // The load generator is this process: off the server's core too, or "pinned" would be half true.
  const unpin = pinSelfWhile(pins.load);
  const load = startLoad({ url: `${server.url}/work`, corpus, rps: o.rps, durationMs: (totalSeconds + 5) * 1000, warmupMs: 0 });
  try {
    await Bun.sleep(CALIBRATE_DEFAULTS.warmupSeconds * 1000);
    return await run(server);
  } finally {
    load.stop();
    await load.done.catch(() => {});
    unpin?.();
    hog?.kill();
    await server.stop();
    rmSync(corpusDir, { recursive: true, force: true });
  }
}

function keep(o: CalibrateOptions, profiler: Profiler, p: FlatProfile): void {
  if (o.out) writeFileSync(join(o.out, `${profiler}.pprof`), encodeProfile(p));
}

/** calibrate runs the chosen profilers against the known-cost server and scores each. */
export async function calibrate(o: CalibrateOptions): Promise<CalibrateResult> {
  const say = o.say ?? (() => {});
  if (o.out) mkdirSync(o.out, { recursive: true });
  const scores: Score[] = [];
  const skipped: CalibrateResult["skipped"] = [];
  const pins = o.pin ? pinning(0, 1) : { server: [], load: [], note: "not pinned" };
  const perf = o.profilers.includes("perf") ? await perfUsable() : { ok: false, why: "not asked for" };
  if (o.profilers.includes("perf") && !perf.ok) skipped.push({ profiler: "perf", why: perf.why ?? "perf not usable" });
  const inOne = o.profilers.filter((p) => p !== "bun" && (p !== "perf" || perf.ok));

  if (inOne.length) {
    const jitdumpDir = mkdtempSync(join(tmpdir(), "enrich-calibrate-jit-"));
    try {
      await withLoadedServer(o, { env: inOne.includes("perf") ? jitDumpEnv(jitdumpDir) : {} }, inOne.length * (o.seconds + 2), async (s) => {
        for (const profiler of inOne) {
          say(`calibrate: ${profiler}, ${o.seconds} s at ${o.rps} req/s${o.hog ? " with a CPU hog on the server's core" : ""}`);
          const block = profiler === "admin+block";
          if (block) await fetch(`${s.adminUrl}/debug/pprof/rates?block=${CALIBRATE_DEFAULTS.blockRateMs}&mutex=${CALIBRATE_DEFAULTS.mutexFraction}`, { method: "POST" });
          const before = await truthOf(s);
          let p;
          let windowOnCpuNs: number | null = null;
          if (profiler === "perf") {
            const r = await recordPerf({ pid: s.proc.pid, jitdumpDir, seconds: o.seconds });
            p = flatten(decodePprof(r.bytes));
            // perf's window is its events-on span, shorter than the truth readings around its start and stop.
            windowOnCpuNs = r.schedstatNs;
          } else {
            const res = await fetch(`${s.adminUrl}/debug/pprof/profile?seconds=${o.seconds}&hz=${CALIBRATE_DEFAULTS.hz}`);
            if (!res.ok) throw new Error(`admin profile: ${res.status} ${await res.text()}`);
            p = flatten(decodePprof(new Uint8Array(await res.arrayBuffer())));
          }
          const after = await truthOf(s);
          if (block) await fetch(`${s.adminUrl}/debug/pprof/rates?block=0&mutex=0`, { method: "POST" });
          const sc = score(profiler, p, before, after);
          if (windowOnCpuNs) (sc.onCpuMs = windowOnCpuNs / 1e6), (sc.totalRatio = sc.profileMs / sc.onCpuMs);
          scores.push(sc);
          keep(o, profiler, p);
        }
      });
    } finally {
      rmSync(jitdumpDir, { recursive: true, force: true });
    }
  }

  if (o.profilers.includes("bun")) {
    // bun --cpu-prof profiles the whole process and writes its file at exit: the truth is since start.
    const dir = mkdtempSync(join(tmpdir(), "enrich-calibrate-cpuprof-"));
    try {
      say(`calibrate: bun --cpu-prof, ${o.seconds} s at ${o.rps} req/s${o.hog ? " with a CPU hog" : ""}`);
      let after: Truth | null = null;
      await withLoadedServer(o, { bunFlags: ["--cpu-prof", "--cpu-prof-dir", dir] }, o.seconds, async (s) => {
        await Bun.sleep(o.seconds * 1000);
        after = await truthOf(s);
      });
      const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
      if (!file || !after) skipped.push({ profiler: "bun", why: `bun --cpu-prof wrote no .cpuprofile in ${dir}` });
      else {
        const p = await readAnyProfile(join(dir, file));
        scores.push(score("bun", p, { onCpuNs: 0, runQueueNs: 0, functions: {} }, after));
        keep(o, "bun", p);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return { scores, skipped, pinning: pins.note, hog: o.hog };
}
