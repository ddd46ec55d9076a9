/**
 * One measurement run: start (or target) the service, drive open-model load,
 * wait for steady state, capture every profile inside the same window, and
 * write the bundle DESIGN.md fixes (meta.json always). The CLI in
 * scripts/profile.ts is a thin shell over `capture`.
 *
 * Timeline (ms on this process's clock):
 *
 *   load warmup ─ settle: until `checkWindows` one-second windows hold ─
 *   arm: first /metrics scrape, block/mutex rates on (the sampler starts) ─
 *   ws ─ capture window W: cpu, block, mutex (delta over W), trace (the last T),
 *        goroutine (mid), server CPU each second, GC log ─ we: load snapshot,
 *        /metrics ─ heap (after we, still under load) ─ stop load, stop server
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { collectMeta, hostBusyBetween, hostCpuTimes, pinning, pinSelf, waitQuiet, type RunMeta } from "../lib/meta.ts";
import { startLoad, writeHistOut, type LoadResult } from "../../src/load/index.ts";
import type { WindowStats } from "../../src/load/recorder.ts";
import { PROJECT_ROOT, ensureDefaultIndex } from "../../src/service/default-index.ts";
import { adminGet, sleepUntil, type Fetched } from "./admin-client.ts";
import { BUNDLE, CAPTURE_DEFAULTS, type CaptureOptions, type FileRecord, type Meta } from "./bundle.ts";
import { sampleTimes, toCpuProfile } from "./cpuprofile.ts";
import { diagnose } from "./doctor.ts";
import { gcFromMetrics, parseGcLog, summarizeGc, type GcSummary } from "./gc-log.ts";
import { capturePerf } from "./perf/capture-perf.ts";
import { decodeProfile, flatten } from "./pprof.ts";
import { coresBetween, cpuFigures, readCpu, type CpuReading } from "./proc-stat.ts";
import { parseProm, series } from "./prom.ts";
import { writeReport } from "./report.ts";
import { startServer, type RunningServer } from "./server.ts";
import { answeredCount, windowHolds, windowResult } from "./window.ts";

/** Where a capture reports progress (the CLI prints it on stderr). */
export type Say = (line: string) => void;

export interface CaptureResult {
  dir: string;
  meta: Meta;
}

/** Runs one capture and writes its bundle; resolves with the bundle directory. */
export async function capture(o: CaptureOptions, say: Say = () => {}): Promise<CaptureResult> {
  const started = new Date();
  const base: RunMeta = collectMeta(o.argv ?? process.argv);
  const pins = o.pin ? pinning(o.serverCpu, o.loadCpu) : { server: [], load: [], note: "not pinned (--no-pin)" };
  const selfPinned = pins.load.length ? pinSelf(pins.load) : null;

  const quiet = o.waitQuietMs > 0 ? await waitQuiet(o.waitQuietMs, say) : null;

  // --- the index and corpus -------------------------------------------------
  const indexDir = o.url ? (o.index ? resolve(o.index) : null) : resolve(o.index ?? ensureDefaultIndex());
  const corpus = o.corpus ? resolve(o.corpus) : indexDir ? join(indexDir, `${o.mix}.ndjson`) : null;
  if (!corpus || !existsSync(corpus)) throw new Error(`no corpus for mix '${o.mix}': ${corpus ?? "pass --index DIR or --corpus FILE with --url"}`);

  // --- the service -------------------------------------------------------------
  // perf.pprof needs the service started with the jitdump on (capture-perf.ts); decided before it starts.
  const perf = await capturePerf({ external: Boolean(o.url), off: o.perf === false });
  const serverEnv = { BUN_JSC_logGC: "1", ...perf.env, ...o.serverEnv };
  let server: RunningServer | null = null;
  let url: string, adminUrl: string, pid: number | null;
  if (o.url) {
    url = o.url.replace(/\/(enrich)?$/, "");
    adminUrl = (o.adminUrl ?? "http://127.0.0.1:6060").replace(/\/$/, "");
    pid = o.serverPid ?? null;
  } else {
    const cmd = o.serverCmd ?? [process.execPath, "src/server.ts", "--index", indexDir!, "--variant", o.variant, "--index-impl", o.indexImpl ?? "ts", "--port", "0", "--admin-port", "0", "--host", "127.0.0.1", ...(o.serverArgs ?? [])];
    say(`starting ${cmd.map((a) => a.replace(process.execPath, "bun")).join(" ")}${pins.server.length ? ` (${pins.server.join(" ")})` : ""}`);
    server = await startServer({ cmd, cwd: o.serverCwd ?? PROJECT_ROOT, pin: pins.server, env: serverEnv, readyTimeoutMs: 60_000 }).catch((e) => {
      perf.close();
      throw e;
    });
    url = server.url;
    adminUrl = server.adminUrl;
    pid = server.pid;
  }
  const timeout = (ms: number) => ms + 30_000;
  const files: Record<string, FileRecord> = {};
  // A running service says which variant it runs (enrich_build_info); trust it over the flag.
  let variant = o.variant;
  if (o.url) {
    const info = /enrich_build_info\{[^}]*variant="([^"]+)"/.exec(new TextDecoder().decode((await adminGet(adminUrl, "/metrics", 5_000)).bytes));
    if (info && info[1] !== variant) {
      say(`the service reports variant ${info[1]} (not ${variant}): recording ${info[1]}`);
      variant = info[1]!;
    }
  }
  // Which Index implementation serves: the service says so in /healthz (an older one does not: null).
  const indexImpl = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5_000) })
    .then(async (r) => ((await r.json()) as { indexImpl?: string }).indexImpl ?? null)
    .catch(() => null);
  const bundleName = `${stamp(started)}-${variant}-${o.mix}-${o.rps}`;
  const dir = resolve(o.out, o.name ?? bundleName);
  mkdirSync(dir, { recursive: true });
  const put = (name: string, data: Uint8Array | string, source: string) => {
    writeFileSync(join(dir, name), data);
    files[name] = { ok: true, bytes: typeof data === "string" ? Buffer.byteLength(data) : data.length, source };
  };
  const miss = (name: string, error: string) => {
    files[name] = { ok: false, bytes: 0, source: "", error };
    say(`  ${name}: not captured (${error})`);
  };

  try {
    // --- load, then steady state ----------------------------------------------
    const windows: WindowStats[] = [];
    let wake: (() => void) | null = null;
    const tailMs = 15_000;
    const settleBudget = o.settleMs + o.checkWindows * 1000;
    const load = startLoad(
      {
        url: `${url}/enrich`,
        corpus,
        rps: o.rps,
        warmupMs: o.warmupMs,
        durationMs: settleBudget + o.durationMs + tailMs,
        connections: o.connections,
        arrivals: o.arrivals,
        transport: o.transport,
        timeoutMs: o.timeoutMs,
      },
      {
        onWindow: (w) => {
          windows.push(w);
          wake?.();
        },
      },
    );
    load.done.catch(() => {});
    say(`load: ${o.rps} rps (${o.arrivals}) of ${o.mix} from ${corpus}; warmup ${o.warmupMs / 1000}s`);
    const settle = await waitSteady(windows, o.checkWindows, settleBudget, o.warmupMs, load.done, (f) => (wake = f));
    if (settle.failedToStart) throw settle.failedToStart;
    say(settle.held ? `steady: the last ${o.checkWindows} s held ${o.rps} rps` : `NOT STEADY: ${settle.reasons.join("; ")} — capturing anyway, the bundle is marked`);

    // --- the window ---------------------------------------------------------
    const W = o.durationMs;
    const T = Math.min(o.traceMs, W);
    const secs = Math.max(1, Math.round(W / 1000));
    // Arm: the first /metrics scrape, and the block/mutex rates (which start the shared JSC sampler),
    // go before the window, so their start-up transient is not measured as the service's latency.
    const armStart = performance.now();
    perf.arm(pid);
    const metricsA = await adminGet(adminUrl, "/metrics", 5_000);
    const rates = await adminGet(adminUrl, `/debug/pprof/rates?block=${o.blockRateMs}&mutex=${o.mutexFraction}&seconds=${Math.ceil((o.armMs + W) / 1000) + 5}`, 5_000, "POST");
    if (rates.ok) await sleepUntil(armStart + o.armMs);
    else say(`  rates: ${rates.error} (block/mutex rates set by the profile reads instead, inside the window)`);
    await perf.start();
    const ws = performance.now();
    const we = ws + W;
    const windowStartedAt = new Date();
    const snapA = load.snapshot();
    const cpuA: CpuReading | null = pid ? readCpu(pid) : null;
    const hostA = hostCpuTimes();
    say(`capture window: ${W / 1000}s (cpu ${o.hz} Hz, block ≥${o.blockRateMs} ms, mutex 1/${o.mutexFraction}, trace ${T / 1000}s)`);
    const cpuP = adminGet(adminUrl, `/debug/pprof/profile?seconds=${secs}&hz=${o.hz}&format=pprof`, timeout(W));
    const blockP = adminGet(adminUrl, `/debug/pprof/block?seconds=${secs}${rates.ok ? "" : `&rate=${o.blockRateMs}`}`, timeout(W));
    const mutexP = adminGet(adminUrl, `/debug/pprof/mutex?seconds=${secs}${rates.ok ? "" : `&fraction=${o.mutexFraction}`}`, timeout(W));
    // The trace takes the window's last T seconds, so the server's work of encoding it falls after the window, not inside it.
    const traceStart = we - T;
    const traceP = sleepUntil(traceStart).then(() => adminGet(adminUrl, `/debug/pprof/trace?seconds=${Math.max(1, Math.round(T / 1000))}&hz=${o.hz}`, timeout(T)));
    const goroutineP = sleepUntil(ws + W / 2).then(() => adminGet(adminUrl, "/debug/pprof/goroutine?debug=1", 5_000));
    const cpuSeries: Meta["serverCpu"]["perSecond"] = [];
    // This process wakes every second in the window; a much longer gap means it (the load generator) did not run.
    let maxGapMs = 0;
    if (pid) {
      let prev = cpuA!;
      for (let k = 1; ws + k * 1000 <= we; k++) {
        await sleepUntil(ws + k * 1000);
        const now = readCpu(pid);
        maxGapMs = Math.max(maxGapMs, now.t - (ws + (k - 1) * 1000));
        if (now.t - prev.t < 200) continue; // this process was descheduled past several ticks: one reading covers them
        const c = coresBetween(prev, now);
        cpuSeries.push({ atMs: Math.round(now.t - ws), process: r3(c.process), thread: r3(c.thread), runq: r3(c.runq) });
        prev = now;
      }
    }
    await sleepUntil(we);
    void perf.stop();
    const snapB = load.snapshot();
    const cpuB: CpuReading | null = pid ? readCpu(pid) : null;
    const hostBusy = hostBusyBetween(hostA, hostCpuTimes());
    const metricsB = await adminGet(adminUrl, "/metrics", 5_000);
    const windowEnd = performance.now();
    const [cpu, block, mutex, trace, goroutine] = await Promise.all([cpuP, blockP, mutexP, traceP, goroutineP]);

    // --- after the window, still under load: heap --------------------------------
    const heap = await adminGet(adminUrl, "/debug/pprof/heap?format=pprof", 60_000);
    const snapshot: Fetched | null = o.heapSnapshot ? await adminGet(adminUrl, "/debug/pprof/heap", 120_000) : null;
    load.stop();
    const full = await load.done;
    const gcLines = server ? server.gc.slice() : [];

    // --- files -----------------------------------------------------------------
    const win = windowResult(snapA, snapB);
    const requests = answeredCount(win.counts);
    if (cpu.ok) {
      put(BUNDLE.cpu, cpu.bytes, "GET /debug/pprof/profile (format=pprof)");
      try {
        const flat = flatten(decodeProfile(cpu.bytes));
        put(BUNDLE.cpuprofile, JSON.stringify(toCpuProfile(flat)), `converted from cpu.pprof (same samples, ${sampleTimes(flat) ? "at their real times" : "no sample times in it: one period apart"})`);
      } catch (e) {
        miss(BUNDLE.cpuprofile, `cpu.pprof did not decode: ${(e as Error).message}`);
      }
    } else {
      miss(BUNDLE.cpu, cpu.error!);
      miss(BUNDLE.cpuprofile, "no CPU profile");
    }
    if (heap.ok) put(BUNDLE.heap, heap.bytes, "GET /debug/pprof/heap?format=pprof, right after the window");
    else miss(BUNDLE.heap, heap.error!);
    await perf.write(put, miss, BUNDLE.perf);
    if (snapshot?.ok) put(BUNDLE.heapSnapshot, snapshot.bytes, "GET /debug/pprof/heap (V8 heap snapshot; not committed)");
    else if (snapshot) miss(BUNDLE.heapSnapshot, snapshot.error!);
    for (const [name, f, what] of [
      [BUNDLE.block, block, `GET /debug/pprof/block?seconds=W, rate ${o.blockRateMs} ms on from ${o.armMs} ms before the window until after it`],
      [BUNDLE.mutex, mutex, `GET /debug/pprof/mutex?seconds=W, fraction ${o.mutexFraction} on from ${o.armMs} ms before the window until after it`],
      [BUNDLE.trace, trace, "GET /debug/pprof/trace?seconds=T"],
      [BUNDLE.goroutine, goroutine, "GET /debug/pprof/goroutine?debug=1 at mid-window"],
    ] as const) {
      if (f.ok) put(name, f.bytes, what);
      else miss(name, f.error!);
    }
    if (metricsB.ok) put(BUNDLE.metrics, metricsB.bytes, "GET /metrics at the window's end");
    else miss(BUNDLE.metrics, metricsB.error!);
    const histFiles = writeHistOut(join(dir, BUNDLE.hist), win);
    for (const p of histFiles) files[p.slice(dir.length + 1)] = { ok: true, bytes: statSync(p).size, source: "load harness histograms, window = difference of two snapshots" };
    put(BUNDLE.load, JSON.stringify({ ...full, histograms: undefined }, null, 2) + "\n", "the whole load run (warmup, settle, window, tail) as `bun run load --json` prints it, histograms dropped");

    const promA = safeProm(metricsA);
    const promB = safeProm(metricsB);
    let gc: GcSummary;
    if (server) {
      const cycles = parseGcLog(gcLines, ws);
      gc = summarizeGc(cycles, windowEnd - ws, requests);
    } else gc = gcFromMetrics(promA, promB, windowEnd - ws, requests);
    put(BUNDLE.gc, JSON.stringify(gc, null, 2) + "\n", gc.source);
    if (server) {
      put(BUNDLE.serverLog, server.log.join("\n") + "\n", "the service's stderr, GC log lines removed");
      const inWindow = gcLines.filter((l) => l.t >= ws && l.t <= windowEnd).map((l) => `${(l.t - ws).toFixed(1).padStart(8)} ${l.text}`);
      put(BUNDLE.gcLog, inWindow.join("\n") + "\n", "BUN_JSC_logGC=1 lines read during the window, each prefixed with ms since the window start (read time)");
    }

    // --- held? ------------------------------------------------------------------
    const reasons: string[] = [...(settle.held ? [] : settle.reasons.map((r) => `before the window: ${r}`))];
    if (requests === 0) reasons.push("no request was answered in the window: this would be a profile of an idle (or stuck) process");
    if (win.achievedRps < o.rps * 0.99) reasons.push(`sent ${win.achievedRps}/s in the window, < 99% of the ${o.rps}/s offered (${win.validity.server ? "the server held every connection" : "generator behind"})`);
    if (win.throughputRps < o.rps * 0.95) reasons.push(`answered ${win.throughputRps}/s in the window, < 95% of the ${o.rps}/s offered (server behind)`);
    const errors = win.counts.httpError + win.counts.timeout + win.counts.transport;
    if (errors > 0) reasons.push(`${errors} requests failed in the window (${JSON.stringify({ http: win.counts.byStatus, timeout: win.counts.timeout, transport: win.counts.byKind })})`);
    for (const r of win.validity.reasons) reasons.push(`load generator: ${r}`);
    if (maxGapMs > 2_000) reasons.push(`this process (the load generator) did not run for ${Math.round(maxGapMs)} ms in the window: a host or VM stall, not the service`);

    const serverCpu = cpuA && cpuB ? coresBetween(cpuA, cpuB) : null;
    const promCpu = (series(promB, "process_cpu_seconds_total") ?? NaN) - (series(promA, "process_cpu_seconds_total") ?? NaN);
    const meta: Meta = {
      schema: BUNDLE.schema,
      bundle: o.name ?? bundleName,
      ...base,
      command: base.command.replaceAll(`${PROJECT_ROOT}/`, ""),
      finishedAt: new Date().toISOString(),
      reproduce: reproduceCommand(o),
      rate: { offeredRps: o.rps, achievedRps: win.achievedRps, throughputRps: win.throughputRps },
      duration: { windowMs: r3(windowEnd - ws), requestedMs: o.durationMs, warmupMs: o.warmupMs, settleMs: r3(settle.waitedMs), traceMs: T },
      mix: o.mix,
      variant,
      indexImpl,
      workers: server ? 1 : o.workers ?? null,
      loadModel: {
        model: "open",
        arrivals: o.arrivals,
        connections: o.connections,
        timeoutMs: o.timeoutMs,
        transport: full.options.transport,
        corpus,
        corpusLines: full.corpus.lines,
        tool: "src/load (in-process, this process)",
        pinned: pins.load.length ? `${pins.load.join(" ")}${selfPinned ? "" : " (failed)"}` : "no",
      },
      index: indexDir ? indexInfo(indexDir) : { dir: null, entries: null, seed: null, bytes: null },
      service: {
        started: Boolean(server),
        url,
        adminUrl,
        pid,
        command: server ? server.argv.map((a) => a.replace(process.execPath, "bun")).join(" ") : null,
        env: server ? serverEnv : null,
        pinned: server ? (pins.server.length ? pins.server.join(" ") : "no") : "unknown (external service)",
      },
      pinning: pins.note,
      hostBusy,
      quietWait: quiet,
      sampling: {
        cpuHz: o.hz,
        cpuSampler: "JSC sampling profiler via the admin port; cpu/nanoseconds is the JS thread's on-CPU time (samples weighted by the run clock, total = CLOCK_THREAD_CPUTIME_ID over the window; run-queue wait in the profile comments); the sampler and run-clock threads run off the server's pinned CPU",
        blockRateMs: o.blockRateMs,
        mutexFraction: o.mutexFraction,
        ratesWindowed: rates.ok,
        armMs: o.armMs,
        traceMs: T,
        gc: gc.source,
        heap: "pprof object counts/bytes by type, taken right after the window" + (o.heapSnapshot ? " + V8 heap snapshot" : ""),
        perf: perf.sampling(),
      },
      windows: {
        startedAt: windowStartedAt.toISOString(),
        loadStartedAt: full.startedAt,
        warmup: { fromMs: 0, toMs: o.warmupMs },
        arm: { fromMs: r3(armStart - settle.loadT0), toMs: r3(ws - settle.loadT0) },
        capture: { fromMs: r3(ws - settle.loadT0), toMs: r3(windowEnd - settle.loadT0) },
        trace: { fromMs: r3(traceStart - settle.loadT0), toMs: r3(traceStart - settle.loadT0 + T) },
        heapAfterMs: r3(windowEnd - settle.loadT0),
        note: "ms after the load run's t0 (its warmup starts at 0)",
      },
      load: {
        held: reasons.length === 0,
        reasons,
        steady: { held: settle.held, checkedWindows: settle.checked, reasons: settle.reasons },
        requests,
        generatorMaxGapMs: r3(maxGapMs),
        counts: win.counts,
        latencyMs: win.latency,
      },
      serverCpu: {
        source: serverCpu ? "/proc" : Number.isFinite(promCpu) ? "metrics process_cpu_seconds_total" : "unknown",
        processCores: serverCpu ? r3(serverCpu.process) : Number.isFinite(promCpu) ? r3((promCpu * 1000) / (windowEnd - ws)) : null,
        threadCores: serverCpu ? r3(serverCpu.thread) : null,
        threadRunqueue: serverCpu && Number.isFinite(serverCpu.runq) ? r3(serverCpu.runq) : null,
        perSecond: cpuSeries,
        // jsThreadOnCpuMs, jsThreadRunQueueWaitMs, processCpuMs, windowMs, jsThreadOnCpuPerRequestUs, GC threads' on-CPU.
        ...(cpuA && cpuB ? cpuFigures(cpuA, cpuB, requests) : {}),
      },
      files,
    };
    if (!meta.load.held) say(`LOAD NOT HELD: ${reasons.join("; ")}`);
    writeFileSync(join(dir, BUNDLE.meta), JSON.stringify(meta, null, 2) + "\n");
    const verdict = await diagnose(dir);
    writeFileSync(join(dir, BUNDLE.doctor), JSON.stringify(verdict, null, 2) + "\n");
    meta.files[BUNDLE.doctor] = { ok: true, bytes: statSync(join(dir, BUNDLE.doctor)).size, source: "scripts/profile/doctor.ts" };
    meta.files[BUNDLE.meta] = { ok: true, bytes: 0, source: "this file" };
    meta.files[BUNDLE.report] = { ok: true, bytes: 0, source: "scripts/profile/report.ts" };
    writeFileSync(join(dir, BUNDLE.meta), JSON.stringify(meta, null, 2) + "\n");
    await writeReport(dir);
    return { dir, meta };
  } finally {
    if (server) await server.stop();
    perf.close();
  }
}

interface Settle {
  held: boolean;
  reasons: string[];
  checked: number[];
  waitedMs: number;
  loadT0: number;
  failedToStart?: Error;
}

/** Waits until the last `n` windows hold the rate, or the budget runs out (then reports why not). */
async function waitSteady(windows: WindowStats[], n: number, budgetMs: number, warmupMs: number, done: Promise<LoadResult>, setWake: (f: () => void) => void): Promise<Settle> {
  const t0 = performance.now();
  let failed: Error | undefined;
  done.catch((e) => (failed = e as Error));
  const deadline = t0 + warmupMs + budgetMs + 3_000;
  let reasons: string[] = ["no load window closed"];
  for (;;) {
    if (failed) return { held: false, reasons: [failed.message], checked: [], waitedMs: 0, loadT0: t0, failedToStart: failed };
    if (windows.length >= n) {
      const last = windows.slice(-n);
      reasons = last.map((w) => windowHolds(w)).filter((r): r is string => r !== null);
      if (reasons.length === 0 || performance.now() >= deadline - 1000 || windows.length * 1000 >= budgetMs) {
        return { held: reasons.length === 0, reasons, checked: last.map((w) => w.index), waitedMs: windows.length * 1000, loadT0: t0 };
      }
    }
    if (performance.now() > deadline) return { held: false, reasons, checked: [], waitedMs: windows.length * 1000, loadT0: t0 };
    await new Promise<void>((resolve) => {
      setWake(resolve);
      setTimeout(resolve, 250);
    });
  }
}

function safeProm(f: Fetched): Map<string, number> {
  if (!f.ok) return new Map();
  try {
    return parseProm(new TextDecoder().decode(f.bytes));
  } catch {
    return new Map();
  }
}

/** Entries, seed and size of an index directory, from its directory file's header. */
export function indexInfo(dir: string): Meta["index"] {
  try {
    const head = readFileSync(join(dir, "dir.bin")).subarray(0, 64);
    const v = new DataView(head.buffer, head.byteOffset, head.byteLength);
    const bytes = readdirSync(dir).filter((f) => f.endsWith(".bin")).reduce((s, f) => s + statSync(join(dir, f)).size, 0);
    return { dir: dir.startsWith(PROJECT_ROOT + "/") ? dir.slice(PROJECT_ROOT.length + 1) : dir, entries: Number(v.getBigUint64(16, true)), seed: Number(v.getBigUint64(24, true)), bytes };
  } catch {
    return { dir, entries: null, seed: null, bytes: null };
  }
}

/** The flags that reproduce this capture (every default made explicit). */
function reproduceCommand(o: CaptureOptions): string {
  const f = [`--rps ${o.rps}`, `--duration ${o.durationMs}ms`, `--mix ${o.mix}`, `--variant ${o.variant}`];
  if (o.url) f.push(`--url ${o.url}`, `--admin-url ${o.adminUrl ?? "http://127.0.0.1:6060"}`);
  else if (o.index) f.push(`--index ${o.index}`);
  if (!o.url) f.push(`--index-impl ${o.indexImpl ?? "ts"}`);
  f.push(`--warmup ${o.warmupMs}ms`, `--settle ${o.settleMs}ms`, `--trace ${o.traceMs}ms`, `--hz ${o.hz}`, `--block-rate ${o.blockRateMs}`, `--mutex-fraction ${o.mutexFraction}`, `--connections ${o.connections}`, `--arrivals ${o.arrivals}`, `--transport ${o.transport}`);
  if (o.perf === false) f.push("--no-perf");
  if (!o.pin) f.push("--no-pin");
  else if (o.serverCpu !== CAPTURE_DEFAULTS.serverCpu || o.loadCpu !== CAPTURE_DEFAULTS.loadCpu) f.push(`--server-cpu ${o.serverCpu}`, `--load-cpu ${o.loadCpu}`);
  return `bun scripts/profile.ts ${f.join(" ")}`;
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

/** UTC timestamp for bundle names: 20261121T101500Z. */
export function stamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
}
