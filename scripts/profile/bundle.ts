/**
 * The bundle: file names (docs/contract.md "Profile bundle"), the capture options
 * with their frozen defaults, and the shape of meta.json.
 */
import type { RunMeta } from "../lib/meta.ts";
import type { IndexImpl } from "../../src/index/contract.ts";
import type { CpuFigures } from "./proc-stat.ts";
import type { Counts } from "../../src/load/recorder.ts";
import type { LatencySummary } from "../../src/load/histograms.ts";
import { LOAD_DEFAULTS } from "../../src/config.ts";

export const BUNDLE = Object.freeze({
  schema: "enrich-profile-bundle/1",
  cpu: "cpu.pprof",
  cpuprofile: "cpu.cpuprofile",
  /** On-CPU profile from Linux perf_events, JIT frames named from the jitdump (where perf is usable). */
  perf: "perf.pprof",
  heap: "heap.pprof",
  heapSnapshot: "heap.heapsnapshot",
  block: "block.pprof",
  mutex: "mutex.pprof",
  trace: "trace.json",
  hist: "hist.json",
  hgrm: "hist.hgrm",
  gc: "gc.json",
  gcLog: "gc.log",
  metrics: "metrics.txt",
  meta: "meta.json",
  report: "report.html",
  doctor: "doctor.json",
  load: "load.json",
  goroutine: "goroutine.txt",
  serverLog: "server.log",
});

/** The files every complete bundle has (heap.heapsnapshot is optional and never committed). */
export const REQUIRED_FILES = [
  BUNDLE.cpu,
  BUNDLE.cpuprofile,
  BUNDLE.heap,
  BUNDLE.block,
  BUNDLE.mutex,
  BUNDLE.trace,
  BUNDLE.hist,
  BUNDLE.hgrm,
  BUNDLE.gc,
  BUNDLE.metrics,
  BUNDLE.meta,
  BUNDLE.report,
] as const;

export interface CaptureOptions {
  rps: number;
  durationMs: number;
  mix: "thin" | "default" | "fat";
  variant: string;
  /** --index-impl the started service runs (default ts); a running service's own /healthz answer is recorded instead. */
  indexImpl?: IndexImpl;
  index?: string;
  /** Use this corpus instead of <index>/<mix>.ndjson. */
  corpus?: string;
  out: string;
  /** Bundle directory name (default: <UTC timestamp>-<variant>-<mix>-<rps>). */
  name?: string;
  /** Target a running service instead of starting one. */
  url?: string;
  adminUrl?: string;
  /** With --url: the service's pid, for /proc CPU readings. */
  serverPid?: number;
  workers?: number;
  /** Start this command instead of src/server.ts (tests' purpose-made servers). */
  serverCmd?: string[];
  /** More flags for the started src/server.ts (e.g. --audit redis://…). */
  serverArgs?: string[];
  serverCwd?: string;
  serverEnv?: Record<string, string>;
  warmupMs: number;
  settleMs: number;
  checkWindows: number;
  traceMs: number;
  armMs: number;
  hz: number;
  blockRateMs: number;
  mutexFraction: number;
  connections: number;
  arrivals: "constant" | "poisson";
  /** The load harness's transport: raw keep-alive sockets or Bun fetch. */
  transport: "raw" | "fetch";
  timeoutMs: number;
  heapSnapshot: boolean;
  /** false: no perf.pprof, and the service starts without the jitdump (default: on where perf is usable). */
  perf?: boolean;
  pin: boolean;
  /** Cores for the service and the load generator when pinning. */
  serverCpu: number;
  loadCpu: number;
  /** Before starting, wait up to this long for every host CPU to be quiet (shared machines). */
  waitQuietMs: number;
  /** The command line recorded in meta.json (default process.argv). */
  argv?: string[];
}

export interface FileRecord {
  ok: boolean;
  bytes: number;
  /** How it was captured. */
  source: string;
  error?: string;
}

export interface Meta extends RunMeta {
  schema: string;
  bundle: string;
  finishedAt: string;
  /** The capture command with every setting explicit. */
  reproduce: string;
  rate: { offeredRps: number; achievedRps: number; throughputRps: number };
  duration: { windowMs: number; requestedMs: number; warmupMs: number; settleMs: number; traceMs: number };
  mix: string;
  variant: string;
  /** The Index implementation that served (the service's /healthz), null if it did not say. */
  indexImpl: string | null;
  workers: number | null;
  loadModel: {
    model: "open";
    arrivals: string;
    connections: number;
    timeoutMs: number;
    transport: string;
    corpus: string;
    corpusLines: number;
    tool: string;
    pinned: string;
  };
  index: { dir: string | null; entries: number | null; seed: number | null; bytes: number | null };
  service: { started: boolean; url: string; adminUrl: string; pid: number | null; command: string | null; env: Record<string, string> | null; pinned: string };
  pinning: string;
  /** Busy share of each host CPU over the window, by anything (this run, other processes): the noise floor. */
  hostBusy: Record<string, number>;
  /** --wait-quiet: how long the capture waited for the host to calm down, and whether it did. */
  quietWait: { waitedMs: number; quiet: boolean; lastBusy: Record<string, number> } | null;
  sampling: { cpuHz: number; cpuSampler: string; blockRateMs: number; mutexFraction: number; ratesWindowed: boolean; armMs: number; traceMs: number; gc: string; heap: string; /** How perf.pprof was recorded, or "perf not usable: …". */ perf?: string };
  windows: {
    startedAt: string;
    loadStartedAt: string;
    warmup: { fromMs: number; toMs: number };
    arm: { fromMs: number; toMs: number };
    capture: { fromMs: number; toMs: number };
    trace: { fromMs: number; toMs: number };
    heapAfterMs: number;
    note: string;
  };
  load: {
    held: boolean;
    reasons: string[];
    steady: { held: boolean; checkedWindows: number[]; reasons: string[] };
    /** Requests the server answered in the window (any status). */
    requests: number;
    /** Longest this process went without waking in the window (expected ~1000 ms): a frozen generator shows here. */
    generatorMaxGapMs: number;
    counts: Counts;
    latencyMs: Record<string, LatencySummary>;
  };
  /** The server's CPU over the window; the CpuFigures fields (ms, µs; proc-stat.ts) when the capture had the pid. */
  serverCpu: {
    source: string;
    processCores: number | null;
    /** The JS (main) thread's on-CPU time / wall time, in cores (run-queue wait excluded). */
    threadCores: number | null;
    /** Share of the window the JS thread was ready to run but waited for a CPU (another thread or process had its core). */
    threadRunqueue: number | null;
    perSecond: { atMs: number; process: number; thread: number; runq: number }[];
  } & Partial<CpuFigures>;
  files: Record<string, FileRecord>;
}

/** Every meta.json key docs/contract.md requires, as paths (the bundle test checks them all). */
export const META_FIELDS = [
  "rate.offeredRps",
  "duration.windowMs",
  "mix",
  "variant",
  "indexImpl",
  "loadModel.model",
  "git.commit",
  "git.dirty",
  "bun",
  "cpu.model",
  "cpu.cores",
  "workers",
  "env",
  "index.entries",
  "index.seed",
  "sampling.cpuHz",
  "sampling.blockRateMs",
  "sampling.mutexFraction",
  "windows.capture",
  "command",
  "reproduce",
] as const;
